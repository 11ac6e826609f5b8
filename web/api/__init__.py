"""The console's JSON API, one module per area (`bp` with url_prefix "/api/<area>"); every
module's `bp` is registered by `web.create_app`. Views carry `@access` and `@documented`."""
