"""Two private homes sharing a couple folder: encrypted, signed, append-only records
that any sync tool carries (see docs/couple-folder.md).

The rooms, from the floor up (each imports only those below it):

* ``keys``: the devices' keys, fingerprint words, sealing a record;
* ``layout``: the names in the folder and the small public files;
* ``outgoing``: what this home shares, as records for the folder;
* ``log``: one device's log, read and checked, or appended to;
* ``folder``: this home's pairing and the folder read whole (the door to it);
* ``partner``: what this home sees of its partner; ``sharing``: sharing as it happens;
* ``sealed``: answers revealed only once both have finished a round;
* ``pairing``: create, join, accept, leave.

This face imports none of them: a command pays only for the rooms it uses.
"""
