"""The article record: the item, its loader and value processors, the JSON Schema."""
