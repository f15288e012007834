"""How results look: charts, the HTML report, and the files of a run folder."""
