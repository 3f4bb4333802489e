"""``desk-app server init|upgrade``: IT deploys as the deployment role; operators cannot."""

from __future__ import annotations

from desk_app.cli import main
from desk_app.models.store import make_engine


def test_server_init_migrates_and_registers_the_first_administrator(pg, capsys) -> None:
    name = pg.create_database()
    try:
        code = main(["server", "init", "--url", pg.url(name), "--admin", "AGENCY\\Zed"])
        assert code == 0 and "agency\\zed registered" in capsys.readouterr().out
        engine = make_engine(pg.url(name))
        with engine.connect() as conn:
            staff = conn.exec_driver_sql("SELECT username, role FROM staff").all()
            member = conn.exec_driver_sql(
                "SELECT pg_has_role('agency\\zed', 'desk_security_admin', 'member'), "
                "pg_has_role('agency\\zed', 'desk_operator', 'member')"
            ).one()
            owner = conn.exec_driver_sql(
                "SELECT DISTINCT tableowner FROM pg_tables WHERE schemaname = 'public'"
            ).all()
            logged = conn.exec_driver_sql(
                "SELECT table_name FROM sync_change WHERE workstation = 'server'"
            ).all()
        engine.dispose()
        assert staff == [("agency\\zed", "security_admin")]
        assert member == (True, True)
        assert owner == [("desk_deploy",)]  # the schema is the deployment role's
        assert logged == [("staff",)]  # workstations pull the administrator
        assert main(["server", "upgrade", "--url", pg.url(name)]) == 0
        assert main(["server", "init", "--url", pg.url(name), "--admin", "agency\\zed"]) == 0
        assert "already registered" in capsys.readouterr().out
    finally:
        pg.drop_database(name)


def test_an_operator_cannot_deploy_and_bad_input_is_one_line(pg, central_db, capsys) -> None:
    code = main(["server", "upgrade", "--url", pg.url(central_db, "alice")])
    err = capsys.readouterr().err
    assert code != 0 and "refused the deployment" in err and "Traceback" not in err
    assert main(["server", "init", "--url", "not a url", "--admin", "x"]) != 0
    assert "not a database URL" in capsys.readouterr().err
