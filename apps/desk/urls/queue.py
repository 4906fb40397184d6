"""The desk's queue addresses."""

urlpatterns = []
