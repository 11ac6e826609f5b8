"""Command centre at run time: fleet links, dispatcher, scheduler, storage, pilot CLI."""
