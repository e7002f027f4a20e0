"""Write a validated import, table by table: `applier.Applier` runs the steps in order."""
