"""A small school written as the CSV files a secretary would bring, for import tests."""

from __future__ import annotations

from collections.abc import Mapping

from domain.importing import RawTable
from importer.readers import read_csv_text

SMALL_SCHOOL: dict[str, str] = {
    "staff": (
        "id,last_name,first_name,middle_name,roles,deputy_grades\n"
        "T1,Иванова,Анна,Петровна,teacher,\n"
        "T2,Петров,Борис,Ильич,учитель;завуч,5-9\n"
        "T3,Сидорова,Вера,,teacher\n"
        "D1,Кузнецов,Глеб,Олегович,director,\n"
    ),
    "subjects": (
        "name,short_name,grading\n"
        "Математика,Мат,marks\n"
        "Английский язык,Англ,\n"
        "Разговоры о важном,РоВ,none\n"
    ),
    "classes": ("name,grade,class_teacher\n5А,5,T1\n6Б,6,T3\n"),
    "students": (
        "id,class,last_name,first_name,middle_name,birth_date,enrolled_on,left_on,home_schooled\n"
        "S1,5А,Алексеев,Артём,Игоревич,2015-03-01,2022-09-01,,0\n"
        "S2,5А,Борисова,Белла,,12.07.2015,,,\n"
        "S3,5А,Волков,Вадим,,2015-01-20,,,1\n"
        "S4,6Б,Громова,Галина,,2014-05-05,,,\n"
        "S5,6Б,Дёмин,Денис,,2014-06-06,,2026-10-01,\n"
    ),
    "guardians": (
        "id,student_id,last_name,first_name,middle_name,relation,phone\n"
        "G1,S1,Алексеева,Ольга,,мать,+79001112233\n"
        "G1,S4,Алексеева,Ольга,,мать,+79001112233\n"
        "G2,S2,Борисов,Павел,,отец,\n"
        "G3,S5,Дёмина,Ирина,,бабушка,\n"
    ),
    "groups": (
        "class,subject,group,student_id\n"
        "5А,Английский язык,1,S1\n"
        "5А,Английский язык,2,S2\n"
        "5А,Английский язык,2,S3\n"
    ),
    "assignments": (
        "teacher_id,subject,class,group,hours_per_week\n"
        "T1,Математика,5А,,5\n"
        "T2,Английский язык,5А,1,1.5\n"
        'T3,Английский язык,5А,2,"1,5"\n'
        "T1,Математика,6Б,,5\n"
    ),
    "bells": ("lesson;starts;ends;shift\n1;08:30;09:15;1\n2;09:25;10:10;1\n3;10:30;11:15;1\n"),
    "periods": (
        "name,kind,grades,starts,ends\n"
        "I четверть,quarter,1-9,2026-09-01,2026-10-24\n"
        "II четверть,quarter,1-9,2026-11-05,2026-12-28\n"
        "I полугодие,half,10-11,2026-09-01,2026-12-28\n"
        "Год,year,1-11,2026-09-01,2027-05-26\n"
    ),
    "holidays": (
        "name,starts,ends,grades\n"
        "Осенние каникулы,2026-10-25,2026-11-04,\n"
        "Дополнительные каникулы,2027-02-15,2027-02-21,1\n"
    ),
    "timetable": (
        "class,group,weekday,lesson,subject,teacher_id,room,valid_from,valid_to\n"
        "5А,,1,1,Математика,T1,201,,\n"
        "5А,1,1,2,Английский язык,T2,305,,\n"
        "5А,2,1,2,Английский язык,T3,306,,\n"
        "6Б,,1,1,Математика,T3,202,2026-09-01,2026-12-28\n"
        "6Б,,2,1,Математика,T1,202,,\n"
    ),
    "plan": (
        "subject,grade,class,number,topic,hours,kind\n"
        "Математика,5,,1,Натуральные числа,1,\n"
        "Математика,5,,2,Сложение и вычитание,1,\n"
        "Математика,5,,3,Контрольная работа №1,1,контрольная работа\n"
        "Математика,,6Б,1,Делимость чисел,2,\n"
    ),
}


def raw_tables(data: Mapping[str, str] | None = None) -> list[RawTable]:
    data = SMALL_SCHOOL if data is None else data
    return [read_csv_text(table, f"{table}.csv", text) for table, text in data.items()]


def with_table(table: str, text: str, base: Mapping[str, str] | None = None) -> dict[str, str]:
    data = dict(SMALL_SCHOOL if base is None else base)
    data[table] = text
    return data


LAST_NAMES = (
    "Абрамов",
    "Белова",
    "Васильев",
    "Галкина",
    "Дмитриев",
    "Егорова",
    "Жуков",
    "Зайцева",
    "Ильин",
    "Козлова",
    "Лебедев",
    "Морозова",
    "Новиков",
    "Орлова",
    "Павлов",
    "Романова",
    "Соколов",
    "Тихонова",
    "Уткин",
    "Фёдорова",
    "Харитонов",
    "Цветкова",
    "Чернов",
    "Шилова",
    "Щукин",
    "Юдина",
    "Яковлев",
    "Агеева",
    "Богданов",
    "Власова",
    "Гусев",
    "Данилова",
    "Ершов",
    "Жарова",
    "Зуев",
)
FIRST_NAMES = ("Анна", "Борис", "Вера", "Глеб", "Дарья", "Егор", "Жанна", "Захар")


def bot_school() -> dict[str, str]:
    """A school for scenarios: 7А with 25 pupils, 8Б with 35 (one named like HTML), two teachers.

    T1 teaches maths to 7А (Monday lessons 1 and 2) and to 8Б (Monday lesson 3); T2 teaches
    «Разговоры о важном» to 8Б (Monday lesson 1), physics to 7А (Monday lesson 4) and is the
    deputy head. Grade 7 maths has a plan.
    """
    students = ["id,class,last_name,first_name,birth_date"]
    guardians = ["id,student_id,last_name,first_name,relation"]
    for i in range(25):
        students.append(f"A{i},7А,{LAST_NAMES[i]},{FIRST_NAMES[i % 8]},2013-0{1 + i % 9}-15")
        guardians.append(f"GA{i},A{i},{LAST_NAMES[i]},Мария,мать")
    for i in range(35):
        first = "<b>Иван</b>" if i == 0 else FIRST_NAMES[i % 8]
        students.append(f"B{i},8Б,{LAST_NAMES[i]},{first},2012-0{1 + i % 9}-20")
    # A family with a child in each class.
    guardians.append("GF,A10,Козлова,Ольга,мать")
    guardians.append("GF,B20,Козлова,Ольга,мать")
    return {
        "staff": (
            "id,last_name,first_name,middle_name,roles,deputy_grades\n"
            "T1,Иванова,Анна,Петровна,teacher,\n"
            "T2,Петров,Борис,Ильич,teacher;deputy,5-11\n"
        ),
        "subjects": "name,grading\nМатематика,marks\nФизика,marks\nРазговоры о важном,none\n",
        "classes": "name,grade,class_teacher\n7А,7,T1\n8Б,8,T2\n",
        "students": "\n".join(students) + "\n",
        "guardians": "\n".join(guardians) + "\n",
        "assignments": (
            "teacher_id,subject,class,hours_per_week\n"
            "T1,Математика,7А,5\nT1,Математика,8Б,5\nT2,Физика,7А,2\nT2,Разговоры о важном,8Б,1\n"
        ),
        "bells": "lesson,starts,ends\n1,08:30,09:15\n2,09:25,10:10\n3,10:30,11:15\n4,11:35,12:20\n",
        "periods": (
            "name,kind,grades,starts,ends\n"
            "I четверть,quarter,1-9,2026-09-01,2026-10-24\n"
            "II четверть,quarter,1-9,2026-11-05,2026-12-28\n"
        ),
        "holidays": "name,starts,ends\nОсенние каникулы,2026-10-25,2026-11-04\n",
        "timetable": (
            "class,weekday,lesson,subject,teacher_id,room\n"
            "7А,1,1,Математика,T1,201\n7А,1,2,Математика,T1,201\n8Б,1,3,Математика,T1,202\n"
            "7А,1,4,Физика,T2,301\n8Б,1,1,Разговоры о важном,T2,302\n"
            "7А,2,1,Математика,T1,201\n"
        ),
        "plan": (
            "subject,grade,number,topic,kind\n"
            "Математика,7,1,Линейные уравнения,\n"
            "Математика,7,2,Системы уравнений,\n"
            "Математика,7,3,Контрольная работа №2,контрольная работа\n"
        ),
    }
