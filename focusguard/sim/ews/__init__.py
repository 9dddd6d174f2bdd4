"""A stateful EWS (Exchange Web Services) simulator speaking real SOAP over HTTP.

See docs/simulator.md. It deliberately imports nothing from the product (domain/core/mail) and
not exchangelib: it plays the server, with Exchange's own semantics.
"""

from ..common.demo import seed_demo_mailbox
from .faults import Fault
from .simulator import EwsSimulator, serve

__all__ = ["EwsSimulator", "Fault", "seed_demo_mailbox", "serve"]
