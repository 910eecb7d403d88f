"""Rule families of the compliance engine, one module per family, listed in spec §6 order."""
