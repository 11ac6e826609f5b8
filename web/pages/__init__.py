"""The console's HTML pages, one module per area (`bp`, templates/<area>.html); every module's
`bp` is registered by `web.create_app`. Pages use the same JSON API as the city brain."""
