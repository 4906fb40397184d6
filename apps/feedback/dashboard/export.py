"""A dashboard figure as a CSV download: its table, the column headers as the table names them.

The file starts with a UTF-8 byte-order mark, so spreadsheet programs (Excel) read Korean carrier
names right; a cell a spreadsheet would run as a formula (=, +, -, @) is kept as text.
"""

import csv

from django.http import HttpResponse

from apps.feedback.dashboard.figures import Figure
from apps.feedback.dashboard.period import Period

BOM = "\ufeff"


def csv_response(figure: Figure, period: Period) -> HttpResponse:
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    carrier = f"-{period.carrier.code}" if period.carrier else ""
    filename = f"{figure.slug}{carrier}-{period.start.isoformat()}-{period.end.isoformat()}.csv"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.write(BOM)
    csv_write(response, figure)
    return response


def csv_write(out, figure: Figure) -> None:
    writer = csv.writer(out)
    writer.writerow([csv_safe(column.key) for column in figure.table.columns])
    for row in figure.table.csv_rows():
        writer.writerow([csv_safe(value) for value in row])


def csv_safe(value):
    """A cell a spreadsheet would run as a formula (=, +, -, @, tab, CR) is kept as text."""
    if isinstance(value, str) and value and value[0] in "=+-@\t\r":
        return f"'{value}"
    return value
