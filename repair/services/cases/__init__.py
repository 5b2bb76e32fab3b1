"""Cases and their workflows: submitting, firing triggers, facts, evidence, the fulfilment check and history."""
