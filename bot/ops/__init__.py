"""Running Warroom: start-up checks, problems told in one line naming the setting and the fix,
and `warroom doctor`."""
