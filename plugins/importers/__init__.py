"""Built-in contact importers and exporters, one module per format."""
