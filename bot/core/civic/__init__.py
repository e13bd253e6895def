"""Good-neighbour awards and building deliberations (议事): the rest of 近邻 governance."""
