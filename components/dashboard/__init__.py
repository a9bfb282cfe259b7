"""The dashboard's views of a `HealthReport`, one module per page: each chart
with the table behind it, or the sentence saying why there is nothing to draw.

Pages and the board report both build from here, so the PDF shows what the
screen shows. Nothing is computed here that `metrics/` defines: the views
only pick, relabel, convert minor units to major ones and hide groups of
fewer than five people (`metrics.privacy`).
"""
