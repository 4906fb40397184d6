"""The desk's managers addresses."""

urlpatterns = []
