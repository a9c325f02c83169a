"""Pure rules of the contact entry (no Django): red flags, routing, opening hours, targets."""
