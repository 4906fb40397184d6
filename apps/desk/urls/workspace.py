"""The desk's workspace addresses."""

urlpatterns = []
