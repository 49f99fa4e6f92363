"""Rules about trainlint's own configuration: suppressions that no longer match."""
