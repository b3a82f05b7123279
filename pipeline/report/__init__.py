"""Reports: maps and figures, the HTML report, the PDF for the Bupati, the Excel workbook."""
