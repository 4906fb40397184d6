"""OpenAPI response descriptions shared by the API's operations."""

from drf_spectacular.utils import OpenApiResponse

ERRORS = {
    400: OpenApiResponse(description="Invalid input: the body names each bad field."),
    401: OpenApiResponse(description="No or unknown token (`Authorization: Token <key>`)."),
    403: OpenApiResponse(description="The token's user lacks the model permission."),
}
NOT_FOUND = {404: OpenApiResponse(description="No shipment with this id.")}
