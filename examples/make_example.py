"""Generate the fictional example school and the blank import template.

Why: a secretary trying the journal, a developer testing the importer and a demo all need one
complete, realistic set of a school's lists — every table of import-format.md, consistent with
each other (no teacher in two rooms at once, hours that match the timetable) — and a blank
workbook to fill in. Everything is derived from a fixed seed, so re-running the script rewrites
byte-identical files and a diff shows only intended changes.

Writes, next to this script:
  school/<table>.csv   the school as CSV files (UTF-8; `bells.csv` uses `;` as Russian Excel does)
  school.xlsx          the same data as one workbook, one sheet per table, Russian headers
  template.xlsx        an empty workbook to fill in: instructions sheet, one sheet per table

Run:  .venv/bin/python examples/make_example.py
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import random
import re
import sys
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from openpyxl import Workbook
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from domain.importing import TABLES  # noqa: E402  (the column list the validator really uses)

SEED = 20260901
SCHOOL_NAME = "Школа №1 (пример)"
YEAR_START = dt.date(2026, 9, 1)
# A fixed instant for the workbooks' metadata and zip entries, so that output is reproducible.
FIXED_TIME = dt.datetime(2026, 9, 1, 8, 0, 0)

Cell = str | int | dt.date | dt.time | None
Record = dict[str, Cell]

# --------------------------------------------------------------------------- people


@dataclass(frozen=True, slots=True)
class Staff:
    id: str
    last_name: str
    first_name: str
    middle_name: str
    roles: str
    deputy_grades: str = ""
    room: str = ""


# Role words are Russian in some rows and English in others: the importer accepts both.
STAFF: tuple[Staff, ...] = (
    Staff("101", "Ковалёва", "Ирина", "Михайловна", "директор"),
    Staff("102", "Соколов", "Андрей", "Викторович", "teacher;deputy", "5-11", "203"),
    Staff("103", "Лебедева", "Наталья", "Сергеевна", "секретарь"),
    Staff("104", "Морозова", "Елена", "Петровна", "учитель", room="201"),
    Staff("105", "Васильева", "Ольга", "Николаевна", "teacher", room="202"),
    Staff("106", "Новикова", "Татьяна", "Александровна", "учитель", room="301"),
    Staff("107", "Кузнецов", "Дмитрий", "Игоревич", "teacher", room="302"),
    Staff("108", "Смирнова", "Анна", "Владимировна", "teacher", room="204"),
    Staff("109", "Попова", "Мария", "Андреевна", "учитель", room="205"),
    Staff("110", "Фёдоров", "Сергей", "Павлович", "teacher", room="303"),
    Staff("111", "Волкова", "Светлана", "Юрьевна", "учитель", room="304"),
    Staff("112", "Егоров", "Павел", "Николаевич", "teacher", room="306"),
    Staff("113", "Павлова", "Галина", "Викторовна", "teacher", room="307"),
    Staff("114", "Орлов", "Максим", "Сергеевич", "учитель;администратор", room="308"),
    Staff("115", "Захаров", "Николай", "Иванович", "учитель", room="спортзал"),
    Staff("116", "Белова", "Юлия", "Олеговна", "teacher", room="105"),
    Staff("117", "Гусев", "Виктор", "Андреевич", "учитель", room="мастерская"),
    Staff("118", "Тихонов", "Игорь", "Васильевич", "teacher", room="107"),
)
ROOM = {s.id: s.room for s in STAFF}

# name, short name, grading (blank means the default, marks; Russian and English words both work)
SUBJECTS: tuple[tuple[str, str, str], ...] = (
    ("Русский язык", "Рус", "marks"),
    ("Литература", "Лит", "marks"),
    ("Английский язык", "Англ", "marks"),
    ("Математика", "Мат", "marks"),
    ("Алгебра", "Алг", "отметки"),
    ("Алгебра и начала математического анализа", "Алг. и НА", "отметки"),
    ("Геометрия", "Геом", ""),
    ("Вероятность и статистика", "ВиС", ""),
    ("Информатика", "Инф", ""),
    ("История", "Ист", ""),
    ("Обществознание", "Общ", ""),
    ("География", "Гео", ""),
    ("Биология", "Био", ""),
    ("Физика", "Физ", ""),
    ("Химия", "Хим", ""),
    ("Музыка", "Муз", ""),
    ("Изобразительное искусство", "ИЗО", ""),
    ("Труд (технология)", "Труд", ""),
    ("Физическая культура", "Физ-ра", ""),
    ("Основы безопасности и защиты Родины", "ОБЗР", ""),
    ("Основы духовно-нравственной культуры народов России", "ОДНКНР", ""),
    ("Индивидуальный проект", "ИП", "зачёт"),
    ("Разговоры о важном", "РоВ", "none"),
)

ENGLISH = "Английский язык"
TALKS = "Разговоры о важном"  # by custom the first lesson of Monday, given by the class teacher

# class name -> (grade, class teacher, lessons per day Monday..Friday)
CLASSES: dict[str, tuple[int, str, tuple[int, ...]]] = {
    "5А": (5, "104", (6, 6, 6, 5, 5)),
    "5Б": (5, "106", (6, 6, 6, 5, 5)),
    "9А": (9, "107", (7, 7, 7, 6, 6)),
    "10А": (10, "105", (6, 6, 6, 5, 5)),
}

# The curriculum (учебный план) per class: subject -> (hours a week, teacher); English is taught
# in two groups at once by the two English teachers, and «Разговоры о важном» by the class teacher.
CURRICULUM: dict[str, dict[str, tuple[int, str]]] = {
    "5А": {
        "Русский язык": (5, "104"),
        "Литература": (3, "104"),
        "Математика": (5, "106"),
        "История": (2, "110"),
        "География": (1, "111"),
        "Биология": (1, "111"),
        "Музыка": (1, "116"),
        "Изобразительное искусство": (1, "116"),
        "Труд (технология)": (2, "117"),
        "Физическая культура": (2, "115"),
        "Основы духовно-нравственной культуры народов России": (1, "110"),
    },
    "9А": {
        "Русский язык": (3, "105"),
        "Литература": (3, "105"),
        "Алгебра": (3, "107"),
        "Геометрия": (2, "107"),
        "Вероятность и статистика": (1, "107"),
        "Информатика": (1, "114"),
        "История": (2, "110"),
        "Обществознание": (1, "102"),
        "География": (2, "111"),
        "Физика": (3, "112"),
        "Химия": (2, "113"),
        "Биология": (2, "111"),
        "Труд (технология)": (1, "117"),
        "Основы безопасности и защиты Родины": (1, "118"),
        "Физическая культура": (2, "115"),
    },
    "10А": {
        "Русский язык": (2, "105"),
        "Литература": (3, "105"),
        "Алгебра и начала математического анализа": (2, "107"),
        "Геометрия": (2, "107"),
        "Вероятность и статистика": (1, "107"),
        "Информатика": (1, "114"),
        "История": (2, "110"),
        "Обществознание": (2, "102"),
        "География": (1, "111"),
        "Физика": (2, "112"),
        "Химия": (1, "113"),
        "Биология": (1, "111"),
        "Физическая культура": (2, "115"),
        "Основы безопасности и защиты Родины": (1, "118"),
        "Индивидуальный проект": (1, "114"),
    },
}
CURRICULUM["5Б"] = dict(CURRICULUM["5А"])
ENGLISH_HOURS = 3
ENGLISH_TEACHERS = (("1", "108"), ("2", "109"))  # group, teacher

BELLS: tuple[tuple[str, str], ...] = (
    ("08:30", "09:15"),
    ("09:25", "10:10"),
    ("10:30", "11:15"),  # a 20-minute break for breakfast
    ("11:35", "12:20"),  # and one for lunch
    ("12:30", "13:15"),
    ("13:25", "14:10"),
    ("14:20", "15:05"),
    ("15:15", "16:00"),
)

D = dt.date
PERIODS: tuple[tuple[str, str, str, dt.date, dt.date], ...] = (
    ("I четверть", "quarter", "1-9", D(2026, 9, 1), D(2026, 10, 24)),
    ("II четверть", "quarter", "1-9", D(2026, 11, 5), D(2026, 12, 28)),
    ("III четверть", "quarter", "1-9", D(2027, 1, 12), D(2027, 3, 20)),
    ("IV четверть", "quarter", "1-9", D(2027, 3, 30), D(2027, 5, 26)),
    ("I полугодие", "half", "10-11", D(2026, 9, 1), D(2026, 12, 28)),
    ("II полугодие", "half", "10-11", D(2027, 1, 12), D(2027, 5, 26)),
    ("Учебный год", "year", "1-9", D(2026, 9, 1), D(2027, 5, 26)),
    ("Учебный год", "year", "10-11", D(2026, 9, 1), D(2027, 5, 26)),
)
HOLIDAYS: tuple[tuple[str, dt.date, dt.date, str], ...] = (
    ("Осенние каникулы", D(2026, 10, 25), D(2026, 11, 4), ""),
    ("Зимние каникулы", D(2026, 12, 29), D(2027, 1, 11), ""),
    ("Дополнительные каникулы для первоклассников", D(2027, 2, 13), D(2027, 2, 21), "1"),
    ("Весенние каникулы", D(2027, 3, 21), D(2027, 3, 29), ""),
    ("Летние каникулы", D(2027, 5, 27), D(2027, 8, 31), ""),
)

# --------------------------------------------------------------------------- the plan (КТП)

CONTROL = "Контрольная работа"
# Математика, 5 класс: 5 hours a week, 34 weeks = 170 hours.
MATHS_5: tuple[tuple[str, int, str], ...] = (
    ("Повторение курса математики начальной школы", 3, ""),
    ("Входная диагностическая работа", 1, "Диагностическая работа"),
    ("Десятичная система счисления. Ряд натуральных чисел", 2, ""),
    ("Натуральный ряд. Число 0", 2, ""),
    ("Натуральные числа на координатной прямой", 3, ""),
    ("Сравнение, округление натуральных чисел", 4, ""),
    ("Сложение натуральных чисел и его свойства", 4, ""),
    ("Вычитание натуральных чисел", 4, ""),
    ("Умножение натуральных чисел и его свойства", 4, ""),
    ("Деление натуральных чисел", 4, ""),
    ("Деление с остатком", 3, ""),
    ("Степень с натуральным показателем", 3, ""),
    ("Числовые выражения. Порядок действий", 4, ""),
    ("Решение текстовых задач на все арифметические действия", 5, ""),
    ("Контрольная работа №1 «Действия с натуральными числами»", 1, CONTROL),
    ("Делители и кратные числа. Разложение на множители", 3, ""),
    ("Простые и составные числа", 2, ""),
    ("Признаки делимости на 2, 5, 10, 3, 9", 4, ""),
    ("Самостоятельная работа «Признаки делимости»", 1, "Самостоятельная работа"),
    ("Точка, прямая, отрезок, луч", 2, ""),
    ("Ломаная. Длина отрезка, метрические единицы длины", 3, ""),
    ("Окружность и круг", 2, ""),
    ("Угол. Прямой, острый, тупой и развёрнутый углы", 3, ""),
    ("Измерение углов", 2, ""),
    ("Практическая работа «Построение углов»", 1, "Практическая работа"),
    ("Контрольная работа №2 «Делимость. Наглядная геометрия»", 1, CONTROL),
    ("Дробь. Обыкновенные дроби", 4, ""),
    ("Правильные и неправильные дроби", 3, ""),
    ("Основное свойство дроби. Сокращение дробей", 4, ""),
    ("Приведение дробей к общему знаменателю", 3, ""),
    ("Сравнение дробей", 3, ""),
    ("Сложение и вычитание дробей", 6, ""),
    ("Смешанные дроби", 6, ""),
    ("Умножение обыкновенных дробей", 5, ""),
    ("Деление обыкновенных дробей", 5, ""),
    ("Решение текстовых задач, содержащих дроби", 5, ""),
    ("Контрольная работа №3 «Обыкновенные дроби»", 1, CONTROL),
    ("Многоугольники. Четырёхугольник, прямоугольник, квадрат", 3, ""),
    ("Периметр и площадь прямоугольника и квадрата", 4, ""),
    ("Прямоугольный параллелепипед, куб. Объём", 5, ""),
    ("Практическая работа «Развёртка куба»", 1, "Практическая работа"),
    ("Контрольная работа №4 «Многоугольники. Площадь и объём»", 1, CONTROL),
    ("Десятичная запись дробей", 3, ""),
    ("Сравнение десятичных дробей", 3, ""),
    ("Сложение и вычитание десятичных дробей", 5, ""),
    ("Умножение десятичных дробей", 5, ""),
    ("Деление десятичных дробей", 6, ""),
    ("Округление десятичных дробей", 3, ""),
    ("Решение текстовых задач, содержащих десятичные дроби", 5, ""),
    ("Контрольная работа №5 «Десятичные дроби»", 1, CONTROL),
    ("Повторение и обобщение курса математики 5 класса", 7, ""),
    ("Итоговая контрольная работа", 1, "Итоговая контрольная работа"),
    ("Анализ итоговой контрольной работы", 1, ""),
)
# История, 9А: 2 hours a week = 68 hours; a plan of one class (the `class` column).
HISTORY_9A: tuple[tuple[str, int, str], ...] = (
    ("Введение. Мир на рубеже XVIII–XIX вв.", 1, ""),
    ("Наполеоновские войны и крушение Священной Римской империи", 2, ""),
    ("Промышленный переворот и его последствия", 2, ""),
    ("Политическое развитие европейских стран в 1815–1840-х гг.", 2, ""),
    ("Революции 1848–1849 гг. в Европе", 1, ""),
    ("Объединение Италии и Германии", 2, ""),
    ("Страны Европы и Северной Америки во второй половине XIX в.", 3, ""),
    ("Страны Латинской Америки, Азии и Африки в XIX в.", 3, ""),
    ("Развитие культуры в XIX в.", 2, ""),
    ("Международные отношения в XIX в.", 2, ""),
    ("Контрольная работа «Всеобщая история XIX в.»", 1, CONTROL),
    ("Россия на рубеже XVIII–XIX вв. Внутренняя политика Александра I", 3, ""),
    ("Внешняя политика Александра I. Отечественная война 1812 г.", 3, ""),
    ("Заграничные походы русской армии. Священный союз", 1, ""),
    ("Движение декабристов", 2, ""),
    ("Внутренняя политика Николая I", 2, ""),
    ("Социально-экономическое развитие России в первой половине XIX в.", 2, ""),
    ("Внешняя политика Николая I. Крымская война", 3, ""),
    ("Культурное пространство империи в первой половине XIX в.", 2, ""),
    ("Проверочная работа «Россия в первой половине XIX в.»", 1, "Проверочная работа"),
    ("Отмена крепостного права. Реформы 1860–1870-х гг.", 3, ""),
    ("Общественное движение в 1860–1890-х гг.", 2, ""),
    ("Внешняя политика Александра II. Русско-турецкая война 1877–1878 гг.", 2, ""),
    ("Внутренняя политика Александра III", 2, ""),
    ("Социально-экономическое развитие пореформенной России", 2, ""),
    ("Культурное пространство империи во второй половине XIX в.", 2, ""),
    ("Этнокультурный облик империи", 1, ""),
    ("Россия на пороге XX в. Экономика и общество", 2, ""),
    ("Первая российская революция 1905–1907 гг.", 2, ""),
    ("Политические реформы 1905–1906 гг. Государственная дума", 1, ""),
    ("Столыпинские реформы", 2, ""),
    ("Серебряный век русской культуры", 2, ""),
    ("Наш край в XIX – начале XX в.", 2, ""),
    ("Итоговая контрольная работа", 1, "Итоговая контрольная работа"),
    ("Обобщение и повторение курса", 2, ""),
)

# --------------------------------------------------------------------------- names

SURNAMES = (
    "Абрамов Алексеев Андреев Антонов Афанасьев Баранов Беляев Богданов Борисов Быков "
    "Виноградов Власов Воробьёв Гаврилов Герасимов Голубев Горбунов Григорьев Давыдов Данилов "
    "Дмитриев Жуков Зайцев Зуев Ильин Калинин Карпов Киселёв Козлов Комаров Кондратьев Копылов "
    "Королёв Крылов Кудрявцев Кузьмин Куликов Лазарев Логинов Лукин Макаров Максимов Медведев "
    "Мельников Миронов Михайлов Назаров Никитин Николаев Орехов Осипов Панов Петров Поляков "
    "Пономарёв Прохоров Романов Рябов Савельев Сафонов Селезнёв Семёнов Сергеев Сидоров Соболев "
    "Соловьёв Степанов Суханов Тарасов Тимофеев Титов Третьяков Фомин Фролов Харитонов Цветков "
    "Чернов Шаров Широков Щербаков Яковлев Беспалов Ершов Журавлёв Покровский Вишневский "
    "Трубецкой Шевченко Ткаченко Ким Литвиненко Руденко Ларионов Ефимов Гордеев Савин"
).split()
BOYS = (
    "Александр Артём Максим Михаил Иван Дмитрий Кирилл Матвей Тимофей Егор Никита Андрей Илья "
    "Алексей Роман Сергей Владимир Ярослав Фёдор Даниил Марк Лев Глеб Степан Арсений Макар"
).split()
GIRLS = (
    "Анна Мария София Алиса Виктория Полина Анастасия Елизавета Дарья Варвара Ксения "
    "Александра Вероника Ульяна Василиса Милана Ева Арина Екатерина Валерия Таисия Злата"
).split()
MEN = (
    "Александр Сергей Андрей Дмитрий Алексей Игорь Николай Владимир Евгений Михаил Олег Павел "
    "Денис Роман Виктор Юрий Антон Максим Иван Константин Артём Вадим"
).split()
WOMEN = (
    "Елена Ольга Наталья Татьяна Ирина Светлана Юлия Анна Екатерина Марина Мария Евгения "
    "Оксана Надежда Алёна Ксения Виктория Дарья"
).split()
GRANDMOTHERS = "Галина Людмила Валентина Нина Тамара Любовь Надежда Вера Лидия Зинаида".split()

# The stem a patronymic is built on when it is not simply the name: «Сергей» → «Сергеевич».
PATRONYMIC_STEMS = {
    "Сергей": "Сергее",
    "Андрей": "Андрее",
    "Алексей": "Алексее",
    "Николай": "Николае",
    "Евгений": "Евгенье",
    "Юрий": "Юрье",
    "Дмитрий": "Дмитрие",
    "Игорь": "Игоре",
    "Михаил": "Михайло",
    "Павел": "Павло",
}


def patronymic(father: str, male: bool) -> str:
    """«Сергеевич»/«Сергеевна» from «Сергей», «Иванович»/«Ивановна» from «Иван»."""
    stem = PATRONYMIC_STEMS.get(father, father + "о")
    return stem + ("вич" if male else "вна")


def surname_for(male_form: str, male: bool) -> str:
    """The feminine form of a surname; Ukrainian -енко and Korean surnames do not change."""
    if male:
        return male_form
    if male_form.endswith("ой") or male_form.endswith("ий"):
        return male_form[:-2] + "ая"
    if male_form.endswith(("ов", "ев", "ёв", "ин", "ын")):
        return male_form + "а"
    return male_form


def phone(rng: random.Random) -> str:
    """A fictional Russian mobile number: +7 9xx xxx-xx-xx."""
    digits = [rng.randrange(10) for _ in range(7)]
    return "+7 9{:02d} {}{}{}-{}{}-{}{}".format(rng.randrange(100), *digits)


# --------------------------------------------------------------------------- pupils


@dataclass(slots=True)
class Child:
    class_name: str
    last_name: str
    first_name: str
    middle_name: str
    male: bool
    birth_date: dt.date
    family: int
    id: str = ""
    enrolled_on: dt.date | None = None
    left_on: dt.date | None = None
    home_schooled: bool = False


@dataclass(slots=True)
class Adult:
    id: str
    last_name: str
    first_name: str
    middle_name: str
    relation: str
    phone: str


@dataclass(slots=True)
class Family:
    surname: str
    father: str
    guardians: list[Adult] = field(default_factory=list)


def birth_date(rng: random.Random, grade: int) -> dt.date:
    """Children start grade 1 aged 6½–8: in 2026/27 grade g was born around 2020 - g."""
    entry = YEAR_START.year - (grade - 1)
    start, end = dt.date(entry - 8, 9, 1), dt.date(entry - 7, 12, 31)
    return start + dt.timedelta(days=rng.randrange((end - start).days + 1))


def fold(text: str) -> str:
    """Sort key: «ё» sorts with «е», as in a class register, not after «я» as in Unicode."""
    return text.replace("ё", "е").replace("Ё", "Е")


def make_pupils(rng: random.Random) -> tuple[list[Child], list[Family]]:
    """100 pupils in 94 families: six families have two children in the school (one are twins)."""
    surnames = rng.sample(SURNAMES, len(SURNAMES))
    families: list[Family] = []
    children: list[Child] = []

    def child(class_name: str, family: int, born: dt.date | None = None) -> Child:
        fam = families[family]
        male = rng.random() < 0.5
        grade = CLASSES[class_name][0]
        taken = {(c.first_name, c.last_name) for c in children}
        while True:
            first = rng.choice(BOYS if male else GIRLS)
            if (first, surname_for(fam.surname, male)) not in taken:
                break
        return Child(
            class_name,
            surname_for(fam.surname, male),
            first,
            patronymic(fam.father, male),
            male,
            born or birth_date(rng, grade),
            family,
        )

    def family() -> int:
        families.append(Family(surnames[len(families)], rng.choice(MEN)))
        return len(families) - 1

    siblings = (("5А", "9А"), ("5А", "10А"), ("5Б", "9А"), ("5Б", "10А"), ("5А", "9А"))
    for younger, older in siblings:
        f = family()
        children += [child(younger, f), child(older, f)]
    twins = family()
    first_twin = child("5Б", twins)
    children += [first_twin, child("5Б", twins, first_twin.birth_date)]
    for class_name in CLASSES:
        while sum(1 for c in children if c.class_name == class_name) < 25:
            children.append(child(class_name, family()))

    def order(c: Child) -> tuple[int, str, str]:
        return (list(CLASSES).index(c.class_name), fold(c.last_name), fold(c.first_name))

    children.sort(key=order)
    for number, c in enumerate(children, 1001):
        c.id = str(number)

    # Moves during the year, and the one pupil taught at home (kept out of the journal); all of
    # them only children, so that no brother or sister is left behind in the school.
    family_size = {f: sum(1 for c in children if c.family == f) for f in range(len(families))}

    def only_child(class_name: str, nth: int) -> Child:
        return [c for c in children if c.class_name == class_name and family_size[c.family] == 1][
            nth
        ]

    leaver = only_child("5Б", 6)
    leaver.enrolled_on, leaver.left_on = dt.date(2022, 9, 1), dt.date(2026, 9, 30)
    only_child("9А", 15).left_on = dt.date(2026, 10, 16)  # the family moved to another region
    only_child("5А", 10).enrolled_on = dt.date(2026, 11, 9)  # arrived after the autumn holidays
    only_child("10А", 17).enrolled_on = dt.date(2026, 9, 14)  # came from another school
    only_child("5Б", 13).home_schooled = True
    return children, families


def make_guardians(rng: random.Random, children: list[Child], families: list[Family]) -> None:
    """Parents, a grandmother or a legal guardian (опекун) per family; ids in list order."""
    counter = iter(range(5001, 6000))
    for index, fam in enumerate(families):
        father_first = fam.father
        father_middle = patronymic(rng.choice(MEN), True)
        mother_first = rng.choice(WOMEN)
        mother_middle = patronymic(rng.choice(MEN), False)
        mother_surname = surname_for(fam.surname, False)
        if rng.random() < 0.1:  # kept her own surname
            mother_surname = surname_for(rng.choice(SURNAMES), False)
        mother = Adult("", mother_surname, mother_first, mother_middle, "мать", phone(rng))
        father = Adult("", fam.surname, father_first, father_middle, "отец", phone(rng))
        granny = Adult(
            "",
            surname_for(fam.surname, False),
            rng.choice(GRANDMOTHERS),
            patronymic(rng.choice(MEN), False),
            "бабушка",
            phone(rng) if index % 2 else "",  # one without a mobile: she gets a printout
        )
        if index % 31 == 17:  # a legal guardian: an aunt with another surname
            aunt = Adult(
                "",
                surname_for(rng.choice(SURNAMES), False),
                rng.choice(WOMEN),
                patronymic(rng.choice(MEN), False),
                "опекун",
                phone(rng),
            )
            fam.guardians = [aunt]
            continue
        draw = rng.random()
        if index % 23 == 5:
            fam.guardians = [mother, granny]
        elif index % 29 == 11:
            fam.guardians = [granny]
        elif draw < 0.55:
            fam.guardians = [mother, father]
        elif draw < 0.9:
            fam.guardians = [mother]
        else:
            fam.guardians = [father]
    # Ids in the order the secretary meets them, going down the class lists.
    for c in children:
        for adult in families[c.family].guardians:
            if not adult.id:
                adult.id = str(next(counter))


# --------------------------------------------------------------------------- timetable


@dataclass(frozen=True, slots=True)
class Lesson:
    """One weekly lesson of a class: (group, teacher) parts, several when groups run at once."""

    subject: str
    parts: tuple[tuple[str, str], ...]

    @property
    def teachers(self) -> tuple[str, ...]:
        return tuple(t for _, t in self.parts)


def _match(
    lessons: Sequence[Lesson], slots: Sequence[int], free: dict[int, set[str]], rng: random.Random
) -> dict[int, Lesson] | None:
    """Put the day's lessons on lesson numbers whose teachers are free (bipartite matching)."""
    options = []
    for lesson in lessons:
        fits = [s for s in slots if not set(lesson.teachers) & free[s]]
        rng.shuffle(fits)
        options.append(fits)
    owner: dict[int, int] = {}

    def augment(i: int, seen: set[int]) -> bool:
        for s in options[i]:
            if s in seen:
                continue
            seen.add(s)
            if s not in owner or augment(owner[s], seen):
                owner[s] = i
                return True
        return False

    for i in sorted(range(len(lessons)), key=lambda i: len(options[i])):
        if not augment(i, set()):
            return None
    return {s: lessons[i] for s, i in owner.items()}


def schedule_class(
    lessons: list[Lesson],
    per_day: Sequence[int],
    busy: dict[tuple[int, int], set[str]],
    fixed: dict[tuple[int, int], Lesson],
    rng: random.Random,
) -> dict[tuple[int, int], Lesson]:
    """A week for one class: spread each subject over distinct days, then order every day.

    `busy` holds the teachers already placed at (weekday, lesson) by the classes before.
    """
    for _ in range(2000):
        room = [n - sum(1 for d, _ in fixed if d == day) for day, n in enumerate(per_day, 1)]
        days: dict[int, list[Lesson]] = {d: [] for d in range(1, len(per_day) + 1)}
        by_subject: dict[str, list[Lesson]] = {}
        for lesson in lessons:
            by_subject.setdefault(lesson.subject, []).append(lesson)
        subjects = sorted(by_subject, key=lambda s: (-len(by_subject[s]), rng.random()))
        ok = True
        for subject in subjects:
            assert len(by_subject[subject]) <= len(per_day), subject
            choice = sorted(days, key=lambda d: (-room[d - 1], rng.random()))
            for lesson, day in zip(by_subject[subject], choice, strict=False):
                if room[day - 1] <= 0:
                    ok = False
                days[day].append(lesson)
                room[day - 1] -= 1
        if not ok:
            continue
        week = dict(fixed)
        for day, todays in days.items():
            slots = [n for n in range(1, per_day[day - 1] + 1) if (day, n) not in fixed]
            free = {n: busy.get((day, n), set()) for n in slots}
            placed = _match(todays, slots, free, rng)
            if placed is None:
                ok = False
                break
            week.update({(day, n): lesson for n, lesson in placed.items()})
        if ok:
            for (day, n), lesson in week.items():
                busy.setdefault((day, n), set()).update(lesson.teachers)
            return week
    raise RuntimeError("no timetable found; loosen the curriculum")


def make_timetable(rng: random.Random) -> dict[str, dict[tuple[int, int], Lesson]]:
    """Every class's week, class after class around the teachers already placed."""
    busy: dict[tuple[int, int], set[str]] = {}
    weeks = {}
    for name, (_, class_teacher, per_day) in CLASSES.items():
        lessons = [
            Lesson(subject=subject, parts=(("", teacher),))
            for subject, (hours, teacher) in CURRICULUM[name].items()
            for _ in range(hours)
        ]
        lessons += [Lesson(subject=ENGLISH, parts=ENGLISH_TEACHERS)] * ENGLISH_HOURS
        fixed = {(1, 1): Lesson(subject=TALKS, parts=(("", class_teacher),))}
        weeks[name] = schedule_class(lessons, per_day, busy, fixed, rng)
    return weeks


def check_timetable(weeks: dict[str, dict[tuple[int, int], Lesson]]) -> None:
    """No teacher in two places at once, and every class has its curriculum's hours."""
    seen: dict[tuple[int, int, str], str] = {}
    for name, week in weeks.items():
        for (day, n), lesson in week.items():
            for teacher in lesson.teachers:
                other = seen.setdefault((day, n, teacher), name)
                assert other == name, f"teacher {teacher} in {other} and {name} at {day}/{n}"
        hours = {s: h for s, (h, _) in CURRICULUM[name].items()} | {ENGLISH: 3, TALKS: 1}
        counted: dict[str, int] = {}
        for lesson in week.values():
            counted[lesson.subject] = counted.get(lesson.subject, 0) + 1
        assert counted == hours, name
        assert len(week) == sum(CLASSES[name][2]), name


# --------------------------------------------------------------------------- tables


def build_tables() -> dict[str, list[Record]]:
    """Every table as records keyed by canonical column names, values typed (dates, times)."""
    rng = random.Random(SEED)
    children, families = make_pupils(rng)
    make_guardians(rng, children, families)
    weeks = make_timetable(rng)
    check_timetable(weeks)
    t: dict[str, list[Record]] = {}
    t["staff"] = [
        {
            "id": s.id,
            "last_name": s.last_name,
            "first_name": s.first_name,
            "middle_name": s.middle_name,
            "roles": s.roles,
            "deputy_grades": s.deputy_grades,
        }
        for s in STAFF
    ]
    t["subjects"] = [{"name": n, "short_name": sn, "grading": g} for n, sn, g in SUBJECTS]
    t["classes"] = [
        {"name": name, "grade": grade, "class_teacher": teacher}
        for name, (grade, teacher, _) in CLASSES.items()
    ]
    t["students"] = [
        {
            "id": c.id,
            "class": c.class_name,
            "last_name": c.last_name,
            "first_name": c.first_name,
            "middle_name": c.middle_name,
            "birth_date": c.birth_date,
            "enrolled_on": c.enrolled_on,
            "left_on": c.left_on,
            "home_schooled": "1" if c.home_schooled else "0",
        }
        for c in children
    ]
    t["guardians"] = [
        {
            "id": a.id,
            "student_id": c.id,
            "last_name": a.last_name,
            "first_name": a.first_name,
            "middle_name": a.middle_name,
            "relation": a.relation,
            "phone": a.phone,
        }
        for c in children
        for a in families[c.family].guardians
    ]
    # English groups split each class list in two halves, in alphabetical order; the pupil taught
    # at home is not in a group (home-schooled pupils stay out of the electronic journal).
    t["groups"] = []
    for name in CLASSES:
        members = [c for c in children if c.class_name == name and not c.home_schooled]
        half = (len(members) + 1) // 2
        for i, c in enumerate(members):
            group = "1" if i < half else "2"
            t["groups"].append(
                {"class": name, "subject": ENGLISH, "group": group, "student_id": c.id}
            )
    t["assignments"] = []
    for name, (_, class_teacher, _) in CLASSES.items():
        rows = [
            (teacher, subject, "", hours) for subject, (hours, teacher) in CURRICULUM[name].items()
        ]
        rows += [(teacher, ENGLISH, group, ENGLISH_HOURS) for group, teacher in ENGLISH_TEACHERS]
        rows.append((class_teacher, TALKS, "", 1))
        for teacher, subject, group, hours in rows:
            t["assignments"].append(
                {
                    "teacher_id": teacher,
                    "subject": subject,
                    "class": name,
                    "group": group,
                    "hours_per_week": hours,
                }
            )
    t["bells"] = [
        {
            "lesson": n,
            "starts": dt.time(*map(int, a.split(":"))),
            "ends": dt.time(*map(int, b.split(":"))),
            "shift": 1,
        }
        for n, (a, b) in enumerate(BELLS, 1)
    ]
    t["periods"] = [
        {"name": n, "kind": k, "grades": g, "starts": s, "ends": e} for n, k, g, s, e in PERIODS
    ]
    t["holidays"] = [{"name": n, "starts": s, "ends": e, "grades": g} for n, s, e, g in HOLIDAYS]
    t["timetable"] = [
        {
            "class": name,
            "group": group,
            "weekday": day,
            "lesson": n,
            "subject": lesson.subject,
            "teacher_id": teacher,
            "room": ROOM[teacher],
            "valid_from": YEAR_START,
            "valid_to": None,
        }
        for name, week in weeks.items()
        for (day, n), lesson in sorted(week.items())
        for group, teacher in lesson.parts
    ]
    assert sum(h for _, h, _ in MATHS_5) == 5 * 34
    assert sum(h for _, h, _ in HISTORY_9A) == 2 * 34
    t["plan"] = [
        {
            "subject": "Математика",
            "grade": 5,
            "class": "",
            "number": i,
            "topic": topic,
            "hours": hours,
            "kind": kind,
        }
        for i, (topic, hours, kind) in enumerate(MATHS_5, 1)
    ] + [
        {
            "subject": "История",
            "grade": None,
            "class": "9А",
            "number": i,
            "topic": topic,
            "hours": hours,
            "kind": kind,
        }
        for i, (topic, hours, kind) in enumerate(HISTORY_9A, 1)
    ]
    assert list(t) == list(TABLES)
    for table, records in t.items():
        names = [c.name for c in TABLES[table]]
        assert all(list(r) == names for r in records), table
    return t


# --------------------------------------------------------------------------- CSV

# Per file: date format and delimiter. Both date formats and both delimiters are legal; the
# example uses each somewhere so that a change breaking one of them shows up on import.
CSV_DATES = {"students": "%d.%m.%Y", "periods": "%d.%m.%Y"}  # the rest: YYYY-MM-DD
CSV_DELIMITERS = {"bells": ";"}  # the rest: ","


def csv_text(table: str, records: Iterable[Record]) -> str:
    """One table as CSV text with the English header."""
    date_format = CSV_DATES.get(table, "%Y-%m-%d")
    out = io.StringIO()
    writer = csv.writer(out, delimiter=CSV_DELIMITERS.get(table, ","), lineterminator="\n")
    writer.writerow([c.name for c in TABLES[table]])
    for record in records:
        row = []
        for value in record.values():
            if value is None:
                row.append("")
            elif isinstance(value, dt.date):
                row.append(value.strftime(date_format))
            elif isinstance(value, dt.time):
                row.append(value.strftime("%H:%M"))
            else:
                row.append(str(value))
        writer.writerow(row)
    return out.getvalue()


def write_csv(tables: dict[str, list[Record]], folder: Path) -> None:
    """`<table>.csv` for every table, UTF-8 without BOM, `\n` line ends (stable diffs)."""
    folder.mkdir(parents=True, exist_ok=True)
    for table, records in tables.items():
        (folder / f"{table}.csv").write_text(csv_text(table, records), encoding="utf-8")


# --------------------------------------------------------------------------- XLSX

BOLD = Font(bold=True)
REQUIRED_FILL = PatternFill("solid", fgColor="FFE699")
HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")

# Russian sheet names for the template (the importer also accepts the English table names).
SHEET_RU = {
    "staff": "Сотрудники",
    "subjects": "Предметы",
    "classes": "Классы",
    "students": "Ученики",
    "guardians": "Родители",
    "groups": "Группы",
    "assignments": "Нагрузка",
    "bells": "Звонки",
    "periods": "Периоды",
    "holidays": "Каникулы",
    "timetable": "Расписание",
    "plan": "КТП",
}

TABLE_HELP = {
    "staff": "Сотрудники: учителя, завучи, директор, секретарь, администратор журнала.",
    "subjects": "Предметы учебного плана и внеурочные занятия, которые ведутся в журнале.",
    "classes": "Классы этого учебного года.",
    "students": "Ученики: одна строка на ученика. Выбывший ученик не удаляется, "
    "а получает дату выбытия.",
    "guardians": "Родители и законные представители: одна строка на пару «взрослый — ребёнок». "
    "Если у родителя двое детей в школе, у него две строки с одним и тем же кодом.",
    "groups": "Подгруппы (например, английский язык, группа 1 и группа 2): одна строка на ученика.",
    "assignments": "Педагогическая нагрузка: кто какой предмет ведёт в каком классе "
    "(или группе) и сколько часов в неделю.",
    "bells": "Расписание звонков.",
    "periods": "Учебные периоды: четверти, полугодия, год.",
    "holidays": "Каникулы.",
    "timetable": "Расписание уроков на неделю. Урок в двух группах одновременно — "
    "две строки с разными группами.",
    "plan": "Календарно-тематическое планирование (КТП): темы уроков по порядку, "
    "для всей параллели (столбец «параллель») или для одного класса (столбец «класс»).",
}

COLUMN_HELP: dict[str, dict[str, tuple[str, str]]] = {
    "staff": {
        "id": ("постоянный код сотрудника в школе (например, табельный номер)", "104"),
        "last_name": ("фамилия", "Морозова"),
        "first_name": ("имя", "Елена"),
        "middle_name": ("отчество", "Петровна"),
        "roles": (
            "учитель, завуч, директор, администратор, секретарь (или teacher, deputy, director, "
            "admin, secretary); несколько — через «;»",
            "учитель;завуч",
        ),
        "deputy_grades": ("только для завуча: параллели, которые он курирует", "5-11"),
    },
    "subjects": {
        "name": ("название предмета, как в учебном плане", "Русский язык"),
        "short_name": ("сокращение для расписания (до 20 знаков)", "Рус"),
        "grading": (
            "отметки (по умолчанию), зачёт или без оценок (marks, pass_fail, none)",
            "отметки",
        ),
    },
    "classes": {
        "name": ("название класса", "5А"),
        "grade": ("параллель: число от 1 до 11", "5"),
        "class_teacher": ("код классного руководителя с листа «Сотрудники»", "104"),
    },
    "students": {
        "id": ("постоянный код ученика (например, номер личного дела)", "1001"),
        "class": ("класс с листа «Классы»", "5А"),
        "last_name": ("фамилия", "Андреева"),
        "first_name": ("имя", "Мария"),
        "middle_name": ("отчество", "Игоревна"),
        "birth_date": ("дата рождения", "14.03.2015"),
        "enrolled_on": ("дата зачисления, если ученик пришёл в этом году", "09.11.2026"),
        "left_on": ("дата выбытия, если ученик выбыл", "30.09.2026"),
        "home_schooled": (
            "1 — обучается на дому (в электронный журнал не попадает), 0 или пусто — нет",
            "0",
        ),
    },
    "guardians": {
        "id": ("постоянный код родителя (один и тот же для всех его детей)", "5001"),
        "student_id": ("код ученика с листа «Ученики»", "1001"),
        "last_name": ("фамилия", "Андреева"),
        "first_name": ("имя", "Ольга"),
        "middle_name": ("отчество", "Сергеевна"),
        "relation": ("кем приходится: мать, отец, бабушка, опекун…", "мать"),
        "phone": ("мобильный телефон", "+7 912 345-67-89"),
    },
    "groups": {
        "class": ("класс", "5А"),
        "subject": ("предмет с листа «Предметы»", "Английский язык"),
        "group": ("название группы", "1"),
        "student_id": ("код ученика этого класса", "1001"),
    },
    "assignments": {
        "teacher_id": ("код учителя", "108"),
        "subject": ("предмет", "Английский язык"),
        "class": ("класс", "5А"),
        "group": ("группа, если предмет ведётся по группам", "1"),
        "hours_per_week": ("часов в неделю (можно 0,5)", "3"),
    },
    "bells": {
        "lesson": ("номер урока", "1"),
        "starts": ("начало, ЧЧ:ММ", "08:30"),
        "ends": ("конец, ЧЧ:ММ", "09:15"),
        "shift": ("смена (по умолчанию 1)", "1"),
    },
    "periods": {
        "name": ("название периода", "I четверть"),
        "kind": ("четверть, полугодие или год (quarter, half, year)", "четверть"),
        "grades": ("параллели", "1-9"),
        "starts": ("первый учебный день", "01.09.2026"),
        "ends": ("последний учебный день", "24.10.2026"),
    },
    "holidays": {
        "name": ("название", "Осенние каникулы"),
        "starts": ("первый день каникул", "25.10.2026"),
        "ends": ("последний день каникул", "04.11.2026"),
        "grades": ("параллели, если каникулы не для всех (пусто — для всех)", "1"),
    },
    "timetable": {
        "class": ("класс", "5А"),
        "group": ("группа, если урок идёт по группам", "1"),
        "weekday": ("день недели: 1 — понедельник … 6 — суббота", "1"),
        "lesson": ("номер урока по звонкам", "2"),
        "subject": ("предмет", "Английский язык"),
        "teacher_id": ("код учителя", "108"),
        "room": ("кабинет", "204"),
        "valid_from": ("действует с (пусто — всегда)", "01.09.2026"),
        "valid_to": ("действует по (пусто — до конца года)", ""),
    },
    "plan": {
        "subject": ("предмет", "Математика"),
        "grade": ("параллель (КТП для всех классов параллели)…", "5"),
        "class": ("…или класс (КТП одного класса)", ""),
        "number": ("номер урока или темы по порядку", "1"),
        "topic": ("тема", "Натуральные числа"),
        "hours": ("часов на тему (по умолчанию 1)", "1"),
        "kind": ("вид работы, если это не обычный урок", "Контрольная работа"),
    },
}


def russian_header(table: str) -> list[str]:
    """The first Russian name of each column, as import-format.md gives it in brackets."""
    return [c.ru[0] for c in TABLES[table]]


def _widths(ws: Worksheet, minimum: int = 8, maximum: int = 60) -> None:
    widths: dict[int, int] = {}
    for row in ws.iter_rows():
        for cell in row:
            if cell.value is None:
                continue
            if isinstance(cell.value, dt.date | dt.time):
                length = 10
            else:
                length = max(len(line) for line in str(cell.value).split("\n"))
            widths[cell.column] = max(widths.get(cell.column, 0), length)
    for column, width in widths.items():
        ws.column_dimensions[get_column_letter(column)].width = min(
            max(width + 2, minimum), maximum
        )


def _header(ws: Worksheet, table: str, comments: bool) -> None:
    ws.append(russian_header(table))
    for cell, column in zip(ws[1], TABLES[table], strict=True):
        cell.font = BOLD
        cell.fill = REQUIRED_FILL if column.required else HEADER_FILL
        if comments:
            text, example = COLUMN_HELP[table][column.name]
            note = ("Обязательный. " if column.required else "") + text
            if example:
                note += f"\nПример: {example}"
            cell.comment = Comment(note, "Электронный журнал", width=260, height=110)
    ws.freeze_panes = "A2"


def _deterministic(workbook: Workbook, path: Path) -> None:
    """Save with fixed metadata times and zip entry dates, so reruns give identical bytes."""
    workbook.properties.creator = "examples/make_example.py"
    workbook.properties.created = FIXED_TIME
    buffer = io.BytesIO()
    workbook.save(buffer)
    stamp = FIXED_TIME.strftime("%Y-%m-%dT%H:%M:%SZ")
    with zipfile.ZipFile(buffer) as source, zipfile.ZipFile(path, "w") as target:
        for info in source.infolist():
            data = source.read(info.filename)
            if info.filename == "docProps/core.xml":
                data = re.sub(
                    rb"(<dcterms:modified[^>]*>)[^<]*(</dcterms:modified>)",
                    rb"\g<1>" + stamp.encode() + rb"\g<2>",
                    data,
                )
            entry = zipfile.ZipInfo(info.filename, date_time=FIXED_TIME.timetuple()[:6])
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.external_attr = info.external_attr
            target.writestr(entry, data)


def write_school_xlsx(tables: dict[str, list[Record]], path: Path) -> None:
    """The example as a filled-in workbook: real date and time cells, Russian headers."""
    wb = Workbook()
    wb.remove(wb.active)
    for table, records in tables.items():
        ws = wb.create_sheet(table)
        _header(ws, table, comments=False)
        for record in records:
            values: list[Cell] = []
            for value in record.values():
                # Codes and numbers go in as numbers, as Excel keeps them when a person types.
                if isinstance(value, str) and value.isdigit():
                    values.append(int(value))
                elif value == "":
                    values.append(None)
                else:
                    values.append(value)
            ws.append(values)
        for row in ws.iter_rows(min_row=2):
            for cell in row:
                if isinstance(cell.value, dt.date):
                    cell.number_format = "DD.MM.YYYY"
                elif isinstance(cell.value, dt.time):
                    cell.number_format = "HH:MM"
        _widths(ws)
    _deterministic(wb, path)


GUIDE: tuple[tuple[str, tuple[str, ...]], ...] = (
    (
        "Как заполнять",
        (
            "Каждый лист — одна таблица. Первая строка листа — заголовки столбцов: не меняйте их "
            "текст. Необязательные столбцы можно удалить, порядок столбцов может быть любым. "
            "Заголовки можно писать по-русски или по-английски (английские имена — в таблице "
            "ниже).",
            "Обязательные столбцы выделены жёлтым и отмечены в таблице ниже словом «да». "
            "Подсказка с примером появляется при наведении на заголовок столбца.",
            "Заполнять все листы не обязательно: пустые листы пропускаются. Листы ссылаются друг "
            "на друга: класс — на код классного руководителя, ученик — на класс, родитель — на "
            "код ученика, расписание — на предмет и код учителя. Загружайте их одним файлом или "
            "сначала «Сотрудники», «Предметы» и «Классы».",
        ),
    ),
    (
        "Форматы",
        (
            "Даты: ДД.ММ.ГГГГ (01.09.2026) или ГГГГ-ММ-ДД (2026-09-01); можно вводить и как "
            "обычные даты Excel. Время: ЧЧ:ММ (08:30).",
            "День недели: 1 — понедельник, 2 — вторник … 6 — суббота. Параллели: одно число (5) "
            "или диапазон (5-9). Часы в неделю можно писать с половиной: 1,5.",
            "Коды (столбцы «код», «код ученика», «код учителя») — собственные постоянные номера "
            "школы, например номер личного дела. По ним повторная загрузка узнаёт человека, "
            "поэтому не меняйте код между загрузками.",
        ),
    ),
    (
        "Правило «всё или ничего»",
        (
            "Если в файле есть хотя бы одна ошибка, не загружается ничего. Журнал сразу "
            "перечисляет все ошибки — лист, строку, столбец и что не так. Исправьте их и "
            "загрузите файл ещё раз.",
            "Повторная загрузка ничего не дублирует: строки с теми же кодами обновляются, новые "
            "добавляются. Строки, которых нет в файле, не удаляются: выбывшему ученику "
            "поставьте дату выбытия.",
        ),
    ),
    (
        "Как загрузить",
        (
            "Администратор загружает файл командой: journal import списки.xlsx",
            "Вместо книги Excel можно загрузить папку CSV-файлов (UTF-8 или Windows-1251, "
            "разделитель «,» или «;»), по файлу на таблицу: имя файла — название листа по-русски "
            "или по-английски, например ученики.csv или students.csv.",
        ),
    ),
)
GUIDE_WIDTHS = {"A": 26, "B": 24, "C": 16, "D": 14, "E": 80, "F": 24}


def _lines(text: str, width: int) -> int:
    """How many lines wrapped text takes, to set a row height Excel does not compute itself."""
    return max(1, -(-len(text) // max(width - 4, 1)))


def _paragraph(ws: Worksheet, text: str, font: Font | None = None) -> None:
    ws.append([text])
    row = ws.max_row
    ws.merge_cells(start_row=row, start_column=1, end_row=row, end_column=len(GUIDE_WIDTHS))
    cell = ws.cell(row, 1)
    cell.alignment = Alignment(wrap_text=True, vertical="top")
    if font is not None:
        cell.font = font
    ws.row_dimensions[row].height = 15 * _lines(text, sum(GUIDE_WIDTHS.values()))


def write_template(path: Path) -> None:
    """The blank workbook a secretary fills in: instructions first, then one sheet per table."""
    wb = Workbook()
    guide = wb.active
    guide.title = "Инструкция"
    for column, width in GUIDE_WIDTHS.items():
        guide.column_dimensions[column].width = width
    _paragraph(
        guide, "Шаблон для загрузки списков школы в электронный журнал", Font(bold=True, size=14)
    )
    for title, paragraphs in GUIDE:
        guide.append([])
        _paragraph(guide, title, Font(bold=True, size=12))
        for text in paragraphs:
            _paragraph(guide, text)
    guide.append([])
    _paragraph(guide, "Листы и столбцы", Font(bold=True, size=12))
    guide.append(["Лист", "Столбец", "Английское имя", "Обязательный", "Что писать", "Пример"])
    for cell in guide[guide.max_row]:
        cell.font = BOLD
        cell.fill = HEADER_FILL
    wrap = Alignment(wrap_text=True, vertical="top")
    for table, columns in TABLES.items():
        guide.append([f"{SHEET_RU[table]} ({table})", TABLE_HELP[table]])
        row = guide.max_row
        guide.merge_cells(start_row=row, start_column=2, end_row=row, end_column=6)
        guide.cell(row, 1).font = BOLD
        guide.cell(row, 2).font = Font(italic=True)
        guide.cell(row, 2).alignment = wrap
        guide.row_dimensions[row].height = 15 * _lines(TABLE_HELP[table], 150)
        for column in columns:
            text, example = COLUMN_HELP[table][column.name]
            required = "да" if column.required else ""
            if table == "plan" and column.name in ("grade", "class"):
                required = "одно из двух"
            guide.append(["", column.ru[0], column.name, required, text, example])
            row = guide.max_row
            guide.cell(row, 5).alignment = wrap
            guide.row_dimensions[row].height = 15 * _lines(text, GUIDE_WIDTHS["E"])
            if column.required:
                guide.cell(row, 2).fill = REQUIRED_FILL
    for table in TABLES:
        ws = wb.create_sheet(SHEET_RU[table])
        _header(ws, table, comments=True)
        _widths(ws, minimum=14)
    _deterministic(wb, path)


def main() -> None:
    """Write every file and say how to import them."""
    tables = build_tables()
    write_csv(tables, HERE / "school")
    write_school_xlsx(tables, HERE / "school.xlsx")
    write_template(HERE / "template.xlsx")
    for table, records in tables.items():
        print(f"{table:12} {len(records):5} rows")
    print(
        f'\nImport: journal school create --name "{SCHOOL_NAME}" --timezone Europe/Moscow\n'
        f"        journal import {HERE / 'school'}   (or {HERE / 'school.xlsx'})"
    )


if __name__ == "__main__":
    main()
