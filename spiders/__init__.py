"""One module per board; each module's spider ``name`` equals its file name."""
