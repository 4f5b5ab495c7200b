"""Imported once by the parse workers' forkserver, so that every worker forked from it starts
with the pipeline imported and its lazy caches (word lists, gazetteer) loaded and shared."""

from storage.ingest.pipeline import warm_up

warm_up()
