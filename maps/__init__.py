"""The sky-ground-air map: Folium layers built from plain snapshots."""
