"""Write a validated import, table by table: `applier.Applier` runs the steps in order, each
step reading and writing the shared `state.ApplyState`."""
