"""The managers' dashboard, each agent's own figures, and the weekly report mailed to managers.

`selectors` runs the grouped SQL (one query per figure, whatever the data's size); `figures`
turns those rows into tables and chart specifications that the page, the CSV downloads and the
weekly email all share; `export` writes a figure as CSV; the desk's pages
(apps/desk/views/dashboard.py) and `report` only present them.
"""
