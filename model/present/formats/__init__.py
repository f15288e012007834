"""The output formats, one module each; a module registers its artefacts with `model.present.artifacts`."""
