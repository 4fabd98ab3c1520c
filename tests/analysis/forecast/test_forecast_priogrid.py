"""PRIO-GRID neighbours and buffers, checked against the numbering rule worked by hand."""

import numpy as np

from bluehelmet.geo import priogrid


def test_neighbours_follow_the_numbering():
    # Bamako (12.65 N, -8.0 E): row floor((12.65+90)/0.5) = 205, column floor((-8+180)/0.5) = 344.
    g = 205 * 720 + 344 + 1
    assert int(priogrid.gid(12.65, -8.0)) == g
    around = set(priogrid.neighbours([g], 1)[0].tolist())
    assert around == {g - 721, g - 720, g - 719, g - 1, g + 1, g + 719, g + 720, g + 721}
    ring2 = priogrid.neighbours([g], 2)[0]
    assert len(ring2) == 24 and g + 2 * 720 + 2 in ring2.tolist()


def test_neighbours_wrap_the_date_line_and_stop_at_the_poles():
    first = 1  # lon -180..-179.5, lat -90..-89.5
    around = priogrid.neighbours([first], 1)[0].tolist()
    assert around.count(-1) == 3  # nothing south of the south pole row
    assert 720 in around  # the last cell of the row is across the date line
    assert 720 + 720 in around


def test_buffer_cells_and_row_col_round_trip():
    cells = np.array([100_000, 100_001])
    buffered = priogrid.buffer_cells(cells, 1)
    assert len(buffered) == 12  # a 4 x 3 block
    row, col = priogrid.row_col(buffered)
    assert (priogrid.gid_from_row_col(row, col) == buffered).all()
    lat, lon = priogrid.centroid(buffered)
    assert (priogrid.gid(lat, lon) == buffered).all()
