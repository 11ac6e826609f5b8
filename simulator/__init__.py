"""SITL: simulated ArduCopter-like vehicles speaking MAVLink 2, and the world they fly in."""
