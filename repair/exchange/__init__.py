"""Data exchange: inbound feeds (penalty records, fulfilment facts) read from CSV, JSON Lines or XLSX.

`formats` reads a table file and checks its header, `validation` checks rows without a database,
`records_import` and `fulfilment_import` write checked rows in bulk. The services in
`repair.services.exchange.imports` drive them batch by batch and commit.
"""
