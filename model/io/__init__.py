"""Files at the edge: YAML inputs into checked domain objects, git revisions, and safe, atomic output folders."""
