"""hygiene rules: private data and secrets, broken encoding and invisible characters, markup
remnants, repetition loops.  Private values are only ever shown masked."""
