"""A stateful Microsoft Graph (Outlook mail) simulator speaking JSON over real HTTP.

See docs/graph.md. Like the EWS simulator it imports nothing from the product
(domain/core/mail): it plays the server, with Exchange Online's own semantics.
"""

from ..common.demo import seed_demo_mailbox
from .faults import Fault
from .simulator import DEMO_TOKEN, GraphSimulator, serve

__all__ = ["DEMO_TOKEN", "Fault", "GraphSimulator", "seed_demo_mailbox", "serve"]
