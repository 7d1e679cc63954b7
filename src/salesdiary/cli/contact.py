"""sd contact: the key people at an account."""

from __future__ import annotations

import typer

from salesdiary.cli.common import AllOpt, JsonOpt, LimitOpt
from salesdiary.i18n import N_, _

app = typer.Typer(help=N_("Contacts: the key people at your accounts."), no_args_is_help=True)

TitleOpt = typer.Option(None, "--title", help=N_("Job title."))
DeptOpt = typer.Option(None, "--department", help=N_("Department."))
PhoneOpt = typer.Option(None, "--phone", help=N_("Phone."))
EmailOpt = typer.Option(None, "--email", help=N_("Email."))
LevelOpt = typer.Option(None, "--level", help=N_("Level: operational, management, executive."))
RoleOpt = typer.Option(
    None, "--role", help=N_("Buying role, e.g. decision_maker (拍板者), influencer, user, evaluator.")
)
RelOpt = typer.Option(
    None, "--relationship", help=N_("Relationship stage: acquainted, dating (meeting socially), trusting, allied.")
)
StanceOpt = typer.Option(None, "--stance", help=N_("Stance: supporter, neutral, non_supporter, opponent."))
CoachOpt = typer.Option(
    None, "--coach/--no-coach", help=N_("Whether this person is our coach (gives inside information).")
)
StyleOpt = typer.Option(None, "--style", help=N_("Communication style: analytical, amiable, expressive, driver."))
AttitudeOpt = typer.Option(None, "--attitude", help=N_("Attitude to innovation: innovator … laggard."))
ReportsOpt = typer.Option(None, "--reports-to", help=N_("The contact this person reports to (id or name)."))
BirthdayOpt = typer.Option(None, "--birthday", help=N_("Birthday (personal file)."))
HometownOpt = typer.Option(None, "--hometown", help=N_("Hometown (personal file)."))
SchoolOpt = typer.Option(None, "--school", help=N_("School (personal file)."))
FamilyOpt = typer.Option(None, "--family", help=N_("Family (personal file)."))
HobbiesOpt = typer.Option(None, "--hobbies", help=N_("Hobbies (personal file)."))
PersonalOpt = typer.Option(None, "--personal-notes", help=N_("Other personal notes (personal file)."))
NotesOpt = typer.Option(None, "--notes", help=N_("Notes."))


@app.command("add")
def add(
    name: str = typer.Argument(..., help=N_("The person's name.")),
    account: str = typer.Option(None, "--account", "-A", help=N_("Account (id or name).")),
    title: str = TitleOpt,
    department: str = DeptOpt,
    phone: str = PhoneOpt,
    email: str = EmailOpt,
    level: str = LevelOpt,
    role: str = RoleOpt,
    relationship: str = RelOpt,
    stance: str = StanceOpt,
    coach: bool = CoachOpt,
    style: str = StyleOpt,
    attitude: str = AttitudeOpt,
    reports_to: str = ReportsOpt,
    birthday: str = BirthdayOpt,
    hometown: str = HometownOpt,
    school: str = SchoolOpt,
    family: str = FamilyOpt,
    hobbies: str = HobbiesOpt,
    personal_notes: str = PersonalOpt,
    notes: str = NotesOpt,
) -> None:
    """Add a key person at an account."""
    from salesdiary.cli.common import done, journal, require

    require(account, "--account")
    j = journal()
    new_id = j.contacts.add(
        account,
        name,
        reports_to=reports_to,
        title=title,
        department=department,
        phone=phone,
        email=email,
        level=level,
        role=role,
        relationship=relationship,
        stance=stance,
        coach=coach,
        style=style,
        attitude=attitude,
        birthday=birthday,
        hometown=hometown,
        school=school,
        family=family,
        hobbies=hobbies,
        personal_notes=personal_notes,
        notes=notes,
    )
    done(_("Added contact #{id} {name}.").format(id=new_id, name=j.last_values["name"]))


@app.command("list")
def list_(
    search: str = typer.Argument(None, help=N_("Only contacts whose name contains this.")),
    account: str = typer.Option(None, "--account", "-A", help=N_("Only this account's contacts.")),
    role: str = RoleOpt,
    as_json: bool = JsonOpt,
    limit: int = LimitOpt,
    show_all: bool = AllOpt,
) -> None:
    """List contacts."""
    from salesdiary.cli.common import emit_rows, journal, limit_of
    from salesdiary.render.views import contact_columns

    found = journal().contacts.find(
        search, account=account, role=role, limit=limit_of(limit, show_all), count=not as_json
    )
    emit_rows(
        found.rows,
        found.total,
        contact_columns(),
        as_json=as_json,
        empty=_("No contacts yet. Add one with: sd contact add NAME --account ACCOUNT"),
    )


@app.command("show")
def show(
    contact: str = typer.Argument(..., help=N_("Contact id or name.")),
    account: str = typer.Option(None, "--account", "-A", help=N_("Look for the name at this account.")),
    as_json: bool = JsonOpt,
) -> None:
    """Show a contact with their recent visits."""
    from salesdiary.cli.common import journal
    from salesdiary.render.views import show_contact

    show_contact(journal().contacts.show(contact, account=account), as_json=as_json)


@app.command("edit")
def edit(
    contact: str = typer.Argument(..., help=N_("Contact id or name.")),
    name: str = typer.Option(None, "--name", help=N_("New name.")),
    account: str = typer.Option(None, "--account", "-A", help=N_("Move to this account.")),
    title: str = TitleOpt,
    department: str = DeptOpt,
    phone: str = PhoneOpt,
    email: str = EmailOpt,
    level: str = LevelOpt,
    role: str = RoleOpt,
    relationship: str = RelOpt,
    stance: str = StanceOpt,
    coach: bool = CoachOpt,
    style: str = StyleOpt,
    attitude: str = AttitudeOpt,
    reports_to: str = ReportsOpt,
    birthday: str = BirthdayOpt,
    hometown: str = HometownOpt,
    school: str = SchoolOpt,
    family: str = FamilyOpt,
    hobbies: str = HobbiesOpt,
    personal_notes: str = PersonalOpt,
    notes: str = NotesOpt,
) -> None:
    """Change a contact's fields (an empty value clears a field; --reports-to '' clears the boss)."""
    from salesdiary.cli.common import journal
    from salesdiary.render.views import report_changes

    edited = journal().contacts.edit(
        contact,
        account=account,
        reports_to=reports_to,
        name=name,
        title=title,
        department=department,
        phone=phone,
        email=email,
        level=level,
        role=role,
        relationship=relationship,
        stance=stance,
        coach=coach,
        style=style,
        attitude=attitude,
        birthday=birthday,
        hometown=hometown,
        school=school,
        family=family,
        hobbies=hobbies,
        personal_notes=personal_notes,
        notes=notes,
    )
    report_changes(_("contact"), edited.id, edited.changes)


@app.command("rm")
def rm(contact: str = typer.Argument(..., help=N_("Contact id or name."))) -> None:
    """Remove a contact (their visits stay, without them)."""
    from salesdiary.cli.common import done, journal

    contact_id = journal().contacts.remove(contact)
    done(_("Removed contact #{id}.").format(id=contact_id))


def register(root: typer.Typer) -> None:
    root.add_typer(app, name="contact")
