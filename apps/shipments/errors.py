from apps.core.errors import ApplicationError, ConflictError


class ShipmentExists(ConflictError):
    def __init__(self):
        super().__init__(
            "A shipment with this carrier, tracking number and order reference already exists.",
            field="tracking_number",
        )


class PromiseWindowInvalid(ApplicationError):
    def __init__(self):
        super().__init__("promised_end must not be before promised_start.", field="promised_end")
