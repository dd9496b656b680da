"""Seeds to searchable index: parse seed files into entries, chunk, embed and store them."""

from index.offline import configure_offline_env

configure_offline_env()
