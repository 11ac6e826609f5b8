"""The command daemon's control interface, the web workers' only way to it: a small HTTP/JSON
API on the daemon (server.py) with a shared secret, the operations of the centre as typed JSON
(codec.py), its URL advertised in the database (endpoint.py), and the workers' side
(client.py: `RemoteCentre`, which the console uses as it would the centre itself)."""
