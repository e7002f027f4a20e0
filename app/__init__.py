"""The composition root: configuration, the `journal` command line, and the wiring of parts."""
