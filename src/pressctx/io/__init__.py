"""Input and output: reading records from files and datasets and tagging them at corpus scale."""
