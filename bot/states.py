"""Dialog states: one StatesGroup per screen family."""

from aiogram.fsm.state import State, StatesGroup


class MenuSG(StatesGroup):
    main = State()
    language = State()


class LessonSG(StatesGroup):
    card = State()
    topic = State()
    homework = State()
    attendance = State()
    kinds = State()
    marks = State()
    mark_pupil = State()
    mark_absent = State()
    mark_comment = State()
    remark_pupil = State()
    remark_tone = State()
    remark_text = State()
    reason = State()


class SubstituteSG(StatesGroup):
    lessons = State()


class CoursesSG(StatesGroup):
    courses = State()
    lessons = State()


class TermSG(StatesGroup):
    sheet = State()
    reason = State()
    early = State()  # before the period's last two weeks: set the term marks now?


class DiarySG(StatesGroup):
    children = State()
    child = State()
    marks = State()
    absences = State()
    homework = State()
    day = State()
    report_days = State()
    report_reason = State()
    report_text = State()
    settings = State()


class ClassSG(StatesGroup):
    classes = State()
    menu = State()
    register = State()
    report = State()
    families = State()


class ControlSG(StatesGroup):
    figures = State()
    overdue = State()


class RemarksSG(StatesGroup):
    written = State()
    to_me = State()
    remark = State()
    teachers = State()
    text = State()
    due = State()
