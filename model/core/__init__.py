"""The numeric core: domain objects into arrays, the vectorised engine, distributions, sampling and simulation."""
