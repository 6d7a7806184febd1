"""Pure graph logic of the lineage explorer: which nodes to show, and where to draw them."""
