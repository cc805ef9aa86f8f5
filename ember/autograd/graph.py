"""``ember.autograd.graph``: the node type of the graph, for code that inspects it."""
from .node import Node

__all__ = ["Node"]
