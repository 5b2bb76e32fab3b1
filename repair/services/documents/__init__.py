"""Documents: number reservation, letter contexts, rendering and sealing, delivery, batches and uploads."""
