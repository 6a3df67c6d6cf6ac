"""Upgrade (issue 25, point 4): staffing 0009 gives each service of the
release database one site, named after it, at its address, its main site and
the site of each of its typical weeks; booking 0015 puts every appointment at
its service's site. Both reverse (the sites go) and apply again."""

from functools import partial

from .release import copy_release, read
from .release import migrate as migrate_database


def test_each_service_gets_one_site_and_its_weeks_and_appointments_are_there(
    tmp_path,
):
    path = copy_release(tmp_path / "sites.sqlite3")
    migrate = partial(migrate_database, path)
    services = read(path, "SELECT id, name, address FROM staffing_service ORDER BY id")
    assert services
    weeks = read(path, "SELECT COUNT(*) FROM staffing_typicalweek")[0][0]
    appointments = read(path, "SELECT COUNT(*) FROM booking_appointment")[0][0]
    assert weeks and appointments

    def check() -> None:
        sites = read(
            path,
            "SELECT s.id, s.name, s.address, s.name_fr, v.id"
            " FROM staffing_site s JOIN staffing_service v ON v.main_site_id = s.id"
            " ORDER BY v.id",
        )
        assert [(name, address) for _id, name, address, _fr, _service in sites] == [
            (name, address) for _id, name, address in services
        ]
        assert read(path, "SELECT COUNT(*) FROM staffing_site")[0][0] == len(services)
        assert all(name_fr for _id, _name, _address, name_fr, _service in sites)
        # Every week and every appointment at its service's site.
        assert read(
            path,
            "SELECT COUNT(*) FROM staffing_typicalweek w"
            " JOIN staffing_service v ON v.id = w.service_id"
            " WHERE w.site_id = v.main_site_id",
        ) == [(weeks,)]
        assert read(
            path,
            "SELECT COUNT(*) FROM booking_appointment a"
            " JOIN staffing_service v ON v.id = a.service_id"
            " WHERE a.site_id = v.main_site_id",
        ) == [(appointments,)]

    migrate()
    check()

    migrate("booking", "0011")
    migrate("staffing", "0008")
    columns = {row[1] for row in read(path, "PRAGMA table_info(staffing_typicalweek)")}
    assert "site_id" not in columns
    assert not read(path, "SELECT name FROM sqlite_master WHERE name = 'staffing_site'")

    migrate()
    check()
