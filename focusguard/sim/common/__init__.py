"""What the EWS and Graph simulators share: fault bookkeeping, the JSON control API, HTTP
plumbing, the records of what the user would have seen, and the simulator lifecycle.

Protocol semantics (Exchange vs Graph matching rules, SOAP faults vs JSON errors) stay in
sim/ews and sim/graph; like them, this package imports nothing from the product.
"""
