"""The report: statuses and verdict, its files, reproductions and vectors."""
