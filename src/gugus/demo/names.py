"""Name, place and identifier material for the synthetic task-force world.

Everything here is invented or generic: common given names and surnames of
Mexico, Guatemala, Honduras, El Salvador and the US, real city names with
plausible postal codes and dialling areas, and identifier *formats* (CURP,
CLABE, IBAN, E.164) with correct check digits so that extractors and
validators downstream see well-formed selectors. No real person is described.
"""

from __future__ import annotations

from random import Random

# -- given names -------------------------------------------------------------
ES_FEMALE = [
    "María",
    "María José",
    "María Fernanda",
    "María Guadalupe",
    "Ana",
    "Ana Lucía",
    "Guadalupe",
    "Rosa",
    "Rosa María",
    "Juana",
    "Margarita",
    "Verónica",
    "Patricia",
    "Sandra",
    "Gabriela",
    "Daniela",
    "Alejandra",
    "Fernanda",
    "Valeria",
    "Ximena",
    "Andrea",
    "Lucía",
    "Sofía",
    "Camila",
    "Karla",
    "Yesenia",
    "Yadira",
    "Marisol",
    "Lorena",
    "Elena",
    "Esperanza",
    "Blanca",
    "Dulce María",
    "Leticia",
    "Silvia",
    "Norma",
    "Brenda",
    "Evelyn",
    "Heidy",
    "Kimberly",
    "Dayana",
    "Jennifer",
    "Nayeli",
    "Itzel",
    "Wendy",
    "Glenda",
    "Iris",
    "Reina",
    "Dilcia",
    "Sulma",
    "Xiomara",
    "Maritza",
    "Ingrid",
    "Floridalma",
    "Mirna",
    "Rosario",
    "Josefina",
    "Ana María",
    "Luz María",
    "Martha",
    "Carmen",
    "Isabel",
    "Paola",
    "Jimena",
    "Yoselin",
]
ES_MALE = [
    "José",
    "José Luis",
    "Juan",
    "Juan Carlos",
    "Juan Pablo",
    "Luis",
    "Luis Fernando",
    "Carlos",
    "Jorge",
    "Miguel",
    "Miguel Ángel",
    "Francisco",
    "Jesús",
    "Pedro",
    "Manuel",
    "Antonio",
    "José Antonio",
    "Alejandro",
    "Roberto",
    "Ricardo",
    "Eduardo",
    "Fernando",
    "Javier",
    "Sergio",
    "Raúl",
    "Óscar",
    "Héctor",
    "Mario",
    "Ángel",
    "Erick",
    "Kevin",
    "Brayan",
    "Édgar",
    "Wilmer",
    "Selvin",
    "Melvin",
    "Nery",
    "Elmer",
    "Marvin",
    "Byron",
    "Edwin",
    "Darwin",
    "Josué",
    "Santos",
    "Walter",
    "Óscar Armando",
    "Cristian",
    "Jonathan",
    "Diego",
    "Guillermo",
    "Ignacio",
    "Enrique",
    "Rigoberto",
    "Arnoldo",
    "Efraín",
    "José Manuel",
    "Juan José",
    "Jesús Alberto",
    "Rubén",
    "Hugo",
    "Mauricio",
    "Alexis",
]
EN_FEMALE = [
    "Mary",
    "Patricia",
    "Jennifer",
    "Linda",
    "Elizabeth",
    "Barbara",
    "Susan",
    "Jessica",
    "Sarah",
    "Karen",
    "Lisa",
    "Nancy",
    "Ashley",
    "Emily",
    "Amanda",
    "Melissa",
    "Stephanie",
    "Rebecca",
    "Laura",
    "Megan",
    "Rachel",
    "Hannah",
    "Amy",
    "Nicole",
]
EN_MALE = [
    "James",
    "John",
    "Robert",
    "Michael",
    "William",
    "David",
    "Richard",
    "Joseph",
    "Thomas",
    "Christopher",
    "Daniel",
    "Matthew",
    "Anthony",
    "Mark",
    "Steven",
    "Paul",
    "Andrew",
    "Joshua",
    "Kevin",
    "Brian",
    "Ryan",
    "Jason",
    "Tyler",
    "Brandon",
]
EN_SURNAMES = [
    "Smith",
    "Johnson",
    "Williams",
    "Brown",
    "Jones",
    "Miller",
    "Davis",
    "Wilson",
    "Anderson",
    "Taylor",
    "Thomas",
    "Moore",
    "Jackson",
    "Martin",
    "Lee",
    "Thompson",
    "White",
    "Harris",
    "Clark",
    "Lewis",
    "Robinson",
    "Walker",
    "Young",
    "Allen",
    "King",
    "Wright",
    "Scott",
    "Hill",
    "Green",
    "Adams",
    "Baker",
    "Nelson",
    "Carter",
    "Mitchell",
    "Roberts",
    "Turner",
    "Phillips",
    "Campbell",
    "Parker",
    "Evans",
    "Edwards",
    "Collins",
    "Stewart",
    "Morris",
    "Murphy",
    "Cook",
    "Rogers",
    "Nguyen",
    "Kim",
    "Patel",
]
ES_SURNAMES = [
    "García",
    "Hernández",
    "López",
    "Martínez",
    "González",
    "Rodríguez",
    "Pérez",
    "Sánchez",
    "Ramírez",
    "Cruz",
    "Flores",
    "Gómez",
    "Morales",
    "Vázquez",
    "Reyes",
    "Jiménez",
    "Torres",
    "Díaz",
    "Gutiérrez",
    "Ruiz",
    "Mendoza",
    "Aguilar",
    "Ortiz",
    "Moreno",
    "Castillo",
    "Romero",
    "Álvarez",
    "Méndez",
    "Chávez",
    "Rivera",
    "Juárez",
    "Ramos",
    "Domínguez",
    "Herrera",
    "Medina",
    "Castro",
    "Vargas",
    "Guzmán",
    "Velásquez",
    "Rojas",
    "de León",
    "Orellana",
    "Alvarado",
    "Cabrera",
    "Pineda",
    "Zelaya",
    "Maldonado",
    "Argueta",
    "Escobar",
    "Portillo",
    "Ávila",
    "Canales",
    "Mejía",
    "Turcios",
    "Menjívar",
    "Tzul",
    "Cux",
    "Tzoc",
    "Ixcoy",
    "Coc",
    "Caal",
    "Pop",
    "Choc",
    "Núñez",
    "Peña",
    "Salazar",
    "Solís",
    "Espinoza",
    "Figueroa",
    "Ibarra",
    "Lara",
    "Luna",
    "Navarro",
    "Ochoa",
    "Padilla",
    "Quintero",
    "Ríos",
    "Salinas",
    "Trejo",
    "Valdez",
    "Villanueva",
    "Zamora",
    "Muñoz",
    "Castañeda",
    "Bautista",
    "Santiago",
    "Enríquez",
    "de la Cruz",
    "Hernández",
    "García",
    "López",
    "Martínez",
]
# English forms and hypocoristics a US agency may record instead of the given name.
NICKNAMES = {
    "José": ("Joe", "Pepe"),
    "Jesús": ("Jesse", "Chuy"),
    "Francisco": ("Frank", "Paco"),
    "Guadalupe": ("Lupe",),
    "Alejandro": ("Alex",),
    "Roberto": ("Robert", "Beto"),
    "Guillermo": ("William", "Memo"),
    "Ignacio": ("Nacho",),
    "Enrique": ("Henry", "Kike"),
    "Manuel": ("Manny",),
    "Eduardo": ("Eddie", "Lalo"),
    "Ricardo": ("Rick", "Richard"),
    "Antonio": ("Tony",),
    "Margarita": ("Maggie",),
    "Rosario": ("Chayo",),
    "Juan": ("John",),
    "Pedro": ("Peter",),
    "Miguel": ("Mike", "Michael"),
    "Daniela": ("Dani",),
    "Carlos": ("Charlie",),
    "Luis": ("Louis",),
    "Jorge": ("George",),
    "María": ("Mary",),
    "Josefina": ("Josie",),
    "Alejandra": ("Alex",),
    "Patricia": ("Paty",),
    "Elena": ("Helen",),
    "Isabel": ("Isabella",),
    "Rubén": ("Ruben",),
    "Fernando": ("Fer",),
}
ALIASES = [
    "El Flaco",
    "El Chino",
    "El Güero",
    "La Güera",
    "El Gordo",
    "El Negro",
    "El Pelón",
    "El Chapín",
    "El Catracho",
    "El Guanaco",
    "La Flaca",
    "La Jefa",
    "Don Chepe",
    "El Primo",
    "El Tío",
    "El Compa",
    "El Coyote",
    "El Mudo",
    "El Zurdo",
    "La Tía",
    "El Paisa",
    "El Tigre",
    "El Cuervo",
    "La Madrina",
    "El Inge",
    "El Profe",
    "Doña Rosy",
]

# -- places: (city, state, postal code prefix, dialling area) ---------------
PLACES = {
    "mx": [
        ("Tapachula", "Chiapas", "307", "962"),
        ("Ciudad Hidalgo", "Chiapas", "308", "962"),
        ("Tuxtla Gutiérrez", "Chiapas", "290", "961"),
        ("Villahermosa", "Tabasco", "860", "993"),
        ("Tenosique", "Tabasco", "869", "934"),
        ("Coatzacoalcos", "Veracruz", "964", "921"),
        ("Puebla", "Puebla", "720", "222"),
        ("Ciudad de México", "CDMX", "060", "55"),
        ("Oaxaca de Juárez", "Oaxaca", "680", "951"),
        ("Guadalajara", "Jalisco", "441", "33"),
        ("Monterrey", "Nuevo León", "640", "81"),
        ("Reynosa", "Tamaulipas", "885", "899"),
        ("Matamoros", "Tamaulipas", "873", "868"),
        ("Nuevo Laredo", "Tamaulipas", "880", "867"),
        ("Piedras Negras", "Coahuila", "260", "878"),
        ("Ciudad Juárez", "Chihuahua", "320", "656"),
        ("Tijuana", "Baja California", "220", "664"),
        ("Nogales", "Sonora", "840", "631"),
        ("Cancún", "Quintana Roo", "775", "998"),
        ("Tlaxcala", "Tlaxcala", "900", "246"),
    ],
    "gt": [
        ("Ciudad de Guatemala", "Guatemala", "010", ""),
        ("Quetzaltenango", "Quetzaltenango", "090", ""),
        ("Huehuetenango", "Huehuetenango", "130", ""),
        ("San Marcos", "San Marcos", "120", ""),
        ("Cobán", "Alta Verapaz", "160", ""),
        ("Tecún Umán", "San Marcos", "121", ""),
        ("Totonicapán", "Totonicapán", "080", ""),
        ("Chimaltenango", "Chimaltenango", "040", ""),
        ("Mazatenango", "Suchitepéquez", "100", ""),
        ("Escuintla", "Escuintla", "050", ""),
    ],
    "hn": [
        ("Tegucigalpa", "Francisco Morazán", "111", ""),
        ("San Pedro Sula", "Cortés", "211", ""),
        ("La Ceiba", "Atlántida", "311", ""),
        ("Choloma", "Cortés", "212", ""),
        ("El Progreso", "Yoro", "231", ""),
        ("Comayagua", "Comayagua", "121", ""),
        ("Choluteca", "Choluteca", "511", ""),
        ("Juticalpa", "Olancho", "161", ""),
    ],
    "sv": [
        ("San Salvador", "San Salvador", "110", ""),
        ("Santa Ana", "Santa Ana", "220", ""),
        ("San Miguel", "San Miguel", "330", ""),
        ("Soyapango", "San Salvador", "111", ""),
        ("Usulután", "Usulután", "340", ""),
        ("Ahuachapán", "Ahuachapán", "210", ""),
        ("La Unión", "La Unión", "310", ""),
        ("Chalatenango", "Chalatenango", "130", ""),
    ],
    "us": [
        ("Houston", "TX", "770", "713"),
        ("Dallas", "TX", "752", "214"),
        ("San Antonio", "TX", "782", "210"),
        ("McAllen", "TX", "785", "956"),
        ("Brownsville", "TX", "785", "956"),
        ("Laredo", "TX", "780", "956"),
        ("El Paso", "TX", "799", "915"),
        ("Los Angeles", "CA", "900", "213"),
        ("San Diego", "CA", "921", "619"),
        ("Phoenix", "AZ", "850", "602"),
        ("Atlanta", "GA", "303", "404"),
        ("Charlotte", "NC", "282", "704"),
        ("New York", "NY", "100", "718"),
        ("Newark", "NJ", "071", "973"),
        ("Miami", "FL", "331", "305"),
        ("Chicago", "IL", "606", "312"),
        ("Nashville", "TN", "372", "615"),
        ("Omaha", "NE", "681", "402"),
        ("Immokalee", "FL", "341", "239"),
        ("Salinas", "CA", "939", "831"),
    ],
}
# Mexican border cities where networks stage people before crossing, by index in PLACES["mx"]
MX_BORDER = (11, 12, 13, 14, 15, 16, 17)
MX_TRANSIT = (0, 1, 2, 3, 4, 5, 6, 7, 8, 19)
COUNTRY_NAMES = {
    "mx": "México",
    "gt": "Guatemala",
    "hn": "Honduras",
    "sv": "El Salvador",
    "us": "United States",
}
# Ports of entry: key -> (label, city, country); Trip start/end locations
PORTS = {
    "tecun": ("Puente Rodolfo Robles", "Tecún Umán, San Marcos", "gt"),
    "hidalgo-mx": ("Puerto fronterizo Ciudad Hidalgo", "Ciudad Hidalgo, Chiapas", "mx"),
    "talisman": ("Puente Talismán", "Tuxtla Chico, Chiapas", "mx"),
    "naranjo": ("El Ceibo", "Tenosique, Tabasco", "mx"),
    "reynosa": ("Puente Internacional Reynosa-Hidalgo", "Reynosa, Tamaulipas", "mx"),
    "laredo-mx": ("Puente Internacional Juárez-Lincoln", "Nuevo Laredo, Tamaulipas", "mx"),
    "juarez": ("Puente Internacional Paso del Norte", "Ciudad Juárez, Chihuahua", "mx"),
    "tijuana": ("Garita de San Ysidro", "Tijuana, Baja California", "mx"),
    "hidalgo-us": ("Hidalgo Port of Entry", "Hidalgo, TX", "us"),
    "laredo-us": ("Laredo Port of Entry", "Laredo, TX", "us"),
    "elpaso": ("El Paso Port of Entry", "El Paso, TX", "us"),
    "sanysidro": ("San Ysidro Port of Entry", "San Diego, CA", "us"),
    "rgv": ("Rio Grande Valley Sector (between ports)", "McAllen, TX", "us"),
}
# border pairs (MX side, US side) used for crossings into the US
CROSSINGS = (
    ("reynosa", "hidalgo-us"),
    ("reynosa", "rgv"),
    ("laredo-mx", "laredo-us"),
    ("juarez", "elpaso"),
    ("tijuana", "sanysidro"),
)
SOUTH_ENTRY = {
    "gt": ("tecun", "hidalgo-mx"),
    "hn": ("tecun", "naranjo"),
    "sv": ("tecun", "talisman"),
}

MX_STREETS = [
    "Hidalgo",
    "Morelos",
    "Juárez",
    "5 de Mayo",
    "16 de Septiembre",
    "Independencia",
    "Reforma",
    "Zaragoza",
    "Allende",
    "Guerrero",
    "Insurgentes",
    "Madero",
    "Lázaro Cárdenas",
    "Aldama",
]
MX_COLONIAS = [
    "Centro",
    "Las Flores",
    "San Juan",
    "Obrera",
    "Del Valle",
    "Lomas del Sol",
    "Solidaridad",
    "Emiliano Zapata",
    "Santa Cruz",
    "La Esperanza",
    "Infonavit",
    "Los Pinos",
]
CA_COLONIAS = [
    "El Centro",
    "Kennedy",
    "San José",
    "La Esperanza",
    "Las Palmas",
    "El Carmen",
    "Santa Lucía",
    "Monte Verde",
    "Los Almendros",
    "San Antonio",
]
US_STREETS = [
    "Elm",
    "Oak",
    "Maple",
    "Pine",
    "Cedar",
    "Main",
    "Washington",
    "Lincoln",
    "Jefferson",
    "Magnolia",
    "Bellaire",
    "Airline",
    "Westheimer",
    "Harwin",
    "Jensen",
    "Culebra",
    "Alameda",
    "Ridgecrest",
]
US_SUFFIX = (
    ("St", "Street"),
    ("Ave", "Avenue"),
    ("Dr", "Drive"),
    ("Rd", "Road"),
    ("Blvd", "Boulevard"),
    ("Ln", "Lane"),
)

# -- organisations and money ---------------------------------------------------
MX_BANKS = (
    ("002", "Citibanamex"),
    ("012", "BBVA México"),
    ("014", "Santander México"),
    ("021", "HSBC México"),
    ("072", "Banorte"),
    ("127", "Banco Azteca"),
    ("137", "BanCoppel"),
)
CA_BANKS = {
    "gt": (("BRRL", "Banrural"), ("INDL", "Banco Industrial"), ("AGRO", "BAM")),
    "sv": (("CUSC", "Banco Cuscatlán"), ("AGRI", "Banco Agrícola")),
    "hn": (("ATLA", "Banco Atlántida"), ("FICO", "Ficohsa")),
}
US_BANKS = (
    "Wells Fargo Bank",
    "Bank of America",
    "JPMorgan Chase Bank",
    "BBVA USA",
    "Western Union Financial Services",
    "MoneyGram Payment Systems",
    "Intermex Wire Transfer",
)
FRONT_MX = [
    "Viajes {x} S.A. de C.V.",
    "Transportes {x} S.A. de C.V.",
    "Comercializadora {x} S.A. de C.V.",
    "Servicios Integrales {x} S. de R.L. de C.V.",
    "Hotel {x}",
    "Casa de Cambio {x} S.A. de C.V.",
    "Inmobiliaria {x} S.A. de C.V.",
]
FRONT_US = [
    "{x} Cleaning Services LLC",
    "{x} Restaurant LLC",
    "{x} Farm Labor Contractors Inc",
    "{x} Landscaping LLC",
    "{x} Spa & Massage LLC",
    "{x} Construction Inc",
    "Cantina {x} LLC",
    "{x} Staffing Solutions LLC",
]
FRONT_X = [
    "del Sureste",
    "Los Volcanes",
    "Maya Express",
    "La Frontera",
    "El Quetzal",
    "Pacífico",
    "Sunrise",
    "Golden Star",
    "Lone Star",
    "Bluebonnet",
    "Eagle",
    "Sun Valley",
    "El Rancho",
    "La Fiesta",
    "Palmas",
    "Liberty",
    "Costa Sur",
    "Tres Hermanos",
    "San Judas",
    "Nuevo Amanecer",
]
US_INDUSTRY = [
    "limpieza",
    "cocina",
    "agricultura",
    "jardinería",
    "servicios sexuales",
    "construcción",
    "cantina",
    "trabajo doméstico",
]


_FOLD = str.maketrans("áéíóúüñÁÉÍÓÚÜÑàèìòùÀÈÌÒÙ", "aeiouunAEIOUUNaeiouAEIOU")


def ascii_fold(text: str) -> str:
    """Strip accents as many forms do: 'María Ángel Muñoz' -> 'Maria Angel Munoz'."""
    return text.translate(_FOLD)


def digits(rng: Random, n: int) -> str:
    """n random decimal digits (leading zeros kept)."""
    out = ""
    while n > 12:
        out += f"{int(rng.random() * 1e12):012d}"
        n -= 12
    return out + f"{int(rng.random() * 10**n):0{n}d}"


# -- identifiers with correct check digits ------------------------------------
_CURP_VALUE = {c: i for i, c in enumerate("0123456789ABCDEFGHIJKLMNÑOPQRSTUVWXYZ")}
_CURP_WEIGHTS = range(18, 1, -1)
_CURP_STATES = {
    "Chiapas": "CS",
    "Tabasco": "TC",
    "Veracruz": "VZ",
    "Puebla": "PL",
    "CDMX": "DF",
    "Oaxaca": "OC",
    "Jalisco": "JC",
    "Nuevo León": "NL",
    "Tamaulipas": "TS",
    "Coahuila": "CL",
    "Chihuahua": "CH",
    "Baja California": "BC",
    "Sonora": "SR",
    "Quintana Roo": "QR",
    "Tlaxcala": "TL",
}
_VOWELS = "AEIOU"
# RENAPO replaces the second letter of these "inconvenient words" with X
_CURP_WORDS = frozenset(
    [
        "BACA",
        "BAKA",
        "BUEI",
        "BUEY",
        "CACA",
        "CACO",
        "CAGA",
        "CAGO",
        "CAKA",
        "CAKO",
        "COGE",
        "COGI",
        "COJA",
        "COJE",
        "COJI",
        "COJO",
        "COLA",
        "CULO",
        "FALO",
        "FETO",
        "GETA",
        "GUEI",
        "GUEY",
        "JETA",
        "JOTO",
        "KACA",
        "KACO",
        "KAGA",
        "KAGO",
        "KAKA",
        "KAKO",
        "KOGE",
        "KOGI",
        "KOJA",
        "KOJE",
        "KOJI",
        "KOJO",
        "KOLA",
        "KULO",
        "LILO",
        "LOCA",
        "LOCO",
        "LOKA",
        "LOKO",
        "MAME",
        "MAMO",
        "MEAR",
        "MEAS",
        "MEON",
        "MIAR",
        "MION",
        "MOCO",
        "MOKO",
        "MULA",
        "MULO",
        "NACA",
        "NACO",
        "PEDA",
        "PEDO",
        "PENE",
        "PIPI",
        "PITO",
        "POPO",
        "PUTA",
        "PUTO",
        "QULO",
        "RATA",
        "ROBA",
        "ROBE",
        "ROBO",
        "RUIN",
        "SENO",
        "TETA",
        "VACA",
        "VAGA",
        "VAGO",
        "VAKA",
        "VUEI",
        "VUEY",
        "WUEI",
        "WUEY",
    ]
)


def _consonant(word: str) -> str:
    for c in word[1:]:
        if c.isalpha() and c not in _VOWELS:
            return c
    return "X"


def _surname(word: str) -> str:
    parts = [w for w in ascii_fold(word).upper().split() if w not in ("DE", "LA", "DEL", "LOS")]
    return "".join(parts) or "X"


def curp(
    given: str, s1: str, s2: str | None, birth: str, female: bool, state: str, rng: Random
) -> str:
    """A CURP built from the person's data, with a valid check digit."""
    g = ascii_fold(given).upper().split()
    if len(g) > 1 and g[0] in ("MARIA", "JOSE", "MA.", "J."):
        g = g[1:]
    p1, p2 = _surname(s1), _surname(s2 or "X")
    v = next((c for c in p1[1:] if c in _VOWELS), "X")
    head = p1[0] + v + p2[0] + g[0][0]
    if head in _CURP_WORDS:
        head = head[0] + "X" + head[2:]
    yy, mm, dd = birth[2:4], birth[5:7], birth[8:10]
    body = (
        head
        + yy
        + mm
        + dd
        + ("M" if female else "H")
        + _CURP_STATES.get(state, "NE")
        + _consonant(p1)
        + _consonant(p2)
        + _consonant(g[0])
        + (str(rng.randrange(10)) if birth < "2000" else "ABCDEFGHIJ"[rng.randrange(10)])
    )
    total = sum(map(int.__mul__, map(_CURP_VALUE.__getitem__, body), _CURP_WEIGHTS))
    return body + str((10 - total % 10) % 10)


def clabe(rng: Random, bank: str) -> str:
    """An 18-digit Mexican CLABE (bank, plaza, account, check digit)."""
    body = bank + digits(rng, 14)
    total = sum(map(_CLABE.__getitem__, zip(body, _CLABE_WEIGHTS)))
    return body + str((10 - total % 10) % 10)


_CLABE_WEIGHTS = (3, 7, 1) * 6
_CLABE = {(str(d), w): d * w % 10 for d in range(10) for w in (3, 7, 1)}


def iban(rng: Random, country: str, bank: str) -> str:
    """A Guatemalan or Salvadoran IBAN (28 characters) with its mod-97 check digits."""
    bban = bank + digits(rng, 20)
    num = "".join(str(int(c, 36)) for c in bban + country.upper() + "00")
    return country.upper() + str(98 - int(num) % 97).zfill(2) + bban


def phone(rng: Random, country: str, area: str = "") -> str:
    """A valid E.164 mobile number (validated by phonenumbers in the tests)."""
    if country == "mx":
        area = area or "55"
        return "+52" + area + digits(rng, 10 - len(area))
    if country == "us":
        return "+1" + (area or "713") + str(2 + int(rng.random() * 8)) + digits(rng, 6)
    code, first = _MOBILE[country]
    return code + first[int(rng.random() * len(first))] + digits(rng, 7)


_MOBILE = {"gt": ("+502", "345"), "hn": ("+504", "3789"), "sv": ("+503", "67")}


def national_id(rng: Random, country: str, birth: str) -> tuple[str, str, str]:
    """(type, number, authority) of a national identity document."""
    if country == "gt":
        return "DPI", digits(rng, 4) + " " + digits(rng, 5) + " " + digits(rng, 4), "RENAP"
    if country == "hn":
        return "DNI", digits(rng, 4) + "-" + birth[:4] + "-" + digits(rng, 5), "RNP"
    if country == "sv":
        body = digits(rng, 8)
        check = (10 - sum(int(c) * (9 - i) for i, c in enumerate(body)) % 10) % 10
        return "DUI", body + "-" + str(check), "RNPN"
    return "A-Number", "A" + digits(rng, 9), "USCIS"


def passport_no(rng: Random, country: str) -> str:
    prefix = {"mx": "G", "gt": "", "hn": "E", "sv": "B", "us": ""}[country]
    return prefix + digits(rng, 8 if prefix else 9)


_RFC_ALPHABET = "0123456789ABCDEFGHIJKLMN&OPQRSTUVWXYZ Ñ"


def rfc(name: str, founded: str, rng: Random) -> str:
    """A 12-character company RFC (initials, founding date, homoclave, check digit)."""
    words = [w for w in ascii_fold(name).upper().replace(".", "").split() if len(w) > 2]
    letters = ("".join(w[0] for w in words) + "XXX")[:3]
    body = letters + founded[2:4] + founded[5:7] + founded[8:10]
    body += "ABCDEFGHJKLMNPRSTUVWXYZ123456789"[rng.randrange(32)] + str(rng.randrange(10))
    padded = ("   " + body)[-12:]
    check = sum(_RFC_ALPHABET.index(c) * (13 - i) for i, c in enumerate(padded))
    return body + _RFC_ALPHABET[(11 - check) % 11]
