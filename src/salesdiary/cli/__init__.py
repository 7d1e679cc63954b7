"""The face: Typer apps, one module per noun. Parse, call core/store, render."""
