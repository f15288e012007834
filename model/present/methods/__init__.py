"""How each sensitivity method is shown: a module per method of `model.analysis.methods`, of the same name (see
`model.present.sensitivity.View`)."""
