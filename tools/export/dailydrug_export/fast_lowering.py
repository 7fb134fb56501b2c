"""Make ExecuTorch's lowering of our LLM programs faster without changing what it produces.

Profile (py-spy, SmolLM2 reduced to 4 layers, 8da8w, XNNPACK; docs/MODELS.md "Lowering speed"):
66% of the time is `to_edge_transform_and_lower`, and 42% is XNNPACK's `preprocess`, which runs
its ~16 graph passes on every delegated partition (one per quantized linear, plus the rest). Each
pass re-traces the graph with torch.fx's Interpreter, and for every node torch.fx's provenance
tracking (`set_current_meta` -> `NodeSource.__init__`) **deep-copies the node's whole
`from_node` history**. That history grows by one level per pass, so the copies grow with the
number of passes already run: 13.7% of all samples were in `copy.deepcopy` under
`NodeSource.__init__`.

The provenance records are never modified after they are made (torch only reads them, to print
and to serialize), so sharing the older records instead of copying them gives the same contents:
`shared_provenance()` replaces that one deep copy with a shallow copy of the list while it is
active. It is version-guarded: it patches only the torch version it was checked against, and only
when the method's source still is the one we read; otherwise it does nothing (lowering is then
merely slower). tests/python/test_export_qwen.py checks that a program lowered with and without it
is byte-identical.
"""

from __future__ import annotations

import contextlib
import inspect
from typing import Iterator

# lower_to_pte applies the patch when this is True (tests set it False to compare).
ENABLED = True

# The line of torch 2.13's torch/fx/traceback.py NodeSource.__init__ that this patch replaces.
_EXPECTED_LINE = 'copy.deepcopy(node.meta["from_node"])'


def patch_applies() -> bool:
    """True when the running torch has the NodeSource.__init__ this patch was written for."""
    import torch
    from torch.fx import traceback as fx_traceback

    if not torch.__version__.startswith("2.13."):
        return False
    try:
        src = inspect.getsource(fx_traceback.NodeSource.__init__)
    except (OSError, TypeError):
        return False
    return src.count(_EXPECTED_LINE) == 1 and "self.from_node = (" in src


@contextlib.contextmanager
def shared_provenance(enabled: bool = True) -> Iterator[bool]:
    """While active, torch.fx provenance records share their history instead of deep-copying
    it. Yields whether the patch is in effect."""
    from torch.fx import traceback as fx_traceback

    if not enabled or not patch_applies():
        yield False
        return
    cls = fx_traceback.NodeSource
    original = cls.__init__

    def __init__(self, node, pass_name="", action=None):
        # Same as torch 2.13.0's, except `from_node` is a new list holding the SAME (never
        # mutated) NodeSource records rather than deep copies of them.
        self.pass_name = pass_name
        if action is None:
            action = []
        elif not isinstance(action, list):
            action = [action]
        for a in action:
            if not isinstance(a, fx_traceback.NodeSourceAction):
                raise AssertionError(f"Expected NodeSourceAction, got {type(a)}")
        self.action = action
        if node:
            self.node_info = self.NodeInfo(
                name=node.name, target=str(node.target), graph_id=id(node.graph))
            self.from_node = list(node.meta["from_node"]) if "from_node" in node.meta else []
        else:
            self.node_info = None
            self.from_node = []
        self._action_string = None
        self._dict = None

    cls.__init__ = __init__
    try:
        yield True
    finally:
        cls.__init__ = original
