"""Printed documents (fpdf2 PDFs on one shared page layout, `base`): the
board report, volunteers' statements of hours and donors' giving statements."""
