"""Name, place and identifier material for the synthetic task-force world.

Everything here is invented or generic: common given names and surnames of
Mexico, Guatemala, Honduras, El Salvador and the US, real city names with
plausible postal codes and dialling areas, and identifier *formats* (CURP,
CLABE, IBAN, RFC, E.164) with correct check digits so that extractors and
validators downstream see well-formed selectors. No real person is described.
"""

from __future__ import annotations

from functools import lru_cache
from random import Random


def _words(text: str, sep: str = "|") -> list[str]:
    return [w.strip() for w in text.split(sep) if w.strip()]


# -- names ---------------------------------------------------------------------
ES_FEMALE = _words("""María|María José|María Fernanda|María Guadalupe|Ana|Ana Lucía|Guadalupe|
Rosa|Rosa María|Juana|Margarita|Verónica|Patricia|Sandra|Gabriela|Daniela|Alejandra|Fernanda|
Valeria|Ximena|Andrea|Lucía|Sofía|Camila|Karla|Yesenia|Yadira|Marisol|Lorena|Elena|Esperanza|
Blanca|Dulce María|Leticia|Silvia|Norma|Brenda|Evelyn|Heidy|Kimberly|Dayana|Jennifer|Nayeli|
Itzel|Wendy|Glenda|Iris|Reina|Dilcia|Sulma|Xiomara|Maritza|Ingrid|Floridalma|Mirna|Rosario|
Josefina|Ana María|Luz María|Martha|Carmen|Isabel|Paola|Jimena|Yoselin""")
ES_MALE = _words("""José|José Luis|Juan|Juan Carlos|Juan Pablo|Luis|Luis Fernando|Carlos|Jorge|
Miguel|Miguel Ángel|Francisco|Jesús|Pedro|Manuel|Antonio|José Antonio|Alejandro|Roberto|
Ricardo|Eduardo|Fernando|Javier|Sergio|Raúl|Óscar|Héctor|Mario|Ángel|Erick|Kevin|Brayan|Édgar|
Wilmer|Selvin|Melvin|Nery|Elmer|Marvin|Byron|Edwin|Darwin|Josué|Santos|Walter|Óscar Armando|
Cristian|Jonathan|Diego|Guillermo|Ignacio|Enrique|Rigoberto|Arnoldo|Efraín|José Manuel|
Juan José|Jesús Alberto|Rubén|Hugo|Mauricio|Alexis""")
EN_FEMALE = _words("""Mary|Patricia|Jennifer|Linda|Elizabeth|Barbara|Susan|Jessica|Sarah|Karen|
Lisa|Nancy|Ashley|Emily|Amanda|Melissa|Stephanie|Rebecca|Laura|Megan|Rachel|Hannah|Amy|Nicole""")
EN_MALE = _words("""James|John|Robert|Michael|William|David|Richard|Joseph|Thomas|Christopher|
Daniel|Matthew|Anthony|Mark|Steven|Paul|Andrew|Joshua|Kevin|Brian|Ryan|Jason|Tyler|Brandon""")
EN_SURNAMES = _words("""Smith|Johnson|Williams|Brown|Jones|Miller|Davis|Wilson|Anderson|Taylor|
Thomas|Moore|Jackson|Martin|Lee|Thompson|White|Harris|Clark|Lewis|Robinson|Walker|Young|Allen|
King|Wright|Scott|Hill|Green|Adams|Baker|Nelson|Carter|Mitchell|Roberts|Turner|Phillips|
Campbell|Parker|Evans|Edwards|Collins|Stewart|Morris|Murphy|Cook|Rogers|Nguyen|Kim|Patel""")
# common surnames repeat, as they do in the population
ES_SURNAMES = _words("""García|Hernández|López|Martínez|González|Rodríguez|Pérez|Sánchez|
Ramírez|Cruz|Flores|Gómez|Morales|Vázquez|Reyes|Jiménez|Torres|Díaz|Gutiérrez|Ruiz|Mendoza|
Aguilar|Ortiz|Moreno|Castillo|Romero|Álvarez|Méndez|Chávez|Rivera|Juárez|Ramos|Domínguez|
Herrera|Medina|Castro|Vargas|Guzmán|Velásquez|Rojas|de León|Orellana|Alvarado|Cabrera|Pineda|
Zelaya|Maldonado|Argueta|Escobar|Portillo|Ávila|Canales|Mejía|Turcios|Menjívar|Tzul|Cux|Tzoc|
Ixcoy|Coc|Caal|Pop|Choc|Núñez|Peña|Salazar|Solís|Espinoza|Figueroa|Ibarra|Lara|Luna|Navarro|
Ochoa|Padilla|Quintero|Ríos|Salinas|Trejo|Valdez|Villanueva|Zamora|Muñoz|Castañeda|Bautista|
Santiago|Enríquez|de la Cruz|Hernández|García|López|Martínez""")
# English forms and hypocoristics a US agency may record instead of the given name
NICKNAMES = {
    line.split(":")[0]: tuple(line.split(":")[1].split(","))
    for line in _words("""José:Joe,Pepe|Jesús:Jesse,Chuy|Francisco:Frank,Paco|Guadalupe:Lupe|
    Alejandro:Alex|Roberto:Robert,Beto|Guillermo:William,Memo|Ignacio:Nacho|Enrique:Henry,Kike|
    Manuel:Manny|Eduardo:Eddie,Lalo|Ricardo:Rick,Richard|Antonio:Tony|Margarita:Maggie|
    Rosario:Chayo|Juan:John|Pedro:Peter|Miguel:Mike,Michael|Daniela:Dani|Carlos:Charlie|
    Luis:Louis|Jorge:George|María:Mary|Josefina:Josie|Alejandra:Alex|Patricia:Paty|Elena:Helen|
    Isabel:Isabella|Rubén:Ruben|Fernando:Fer""")
}
ALIASES = _words("""El Flaco|El Chino|El Güero|La Güera|El Gordo|El Negro|El Pelón|El Chapín|
El Catracho|El Guanaco|La Flaca|La Jefa|Don Chepe|El Primo|El Tío|El Compa|El Coyote|El Mudo|
El Zurdo|La Tía|El Paisa|El Tigre|El Cuervo|La Madrina|El Inge|El Profe|Doña Rosy""")


# -- places: country -> [(city, state, postal code prefix, dialling area)] --------
def _places(text: str) -> dict[str, list[tuple[str, ...]]]:
    out: dict[str, list[tuple[str, ...]]] = {}
    for row in _words(text, "\n"):
        country, rest = row.split(" ", 1)
        out.setdefault(country, []).append(tuple(rest.split(";")))
    return out


PLACES = _places("""
mx Tapachula;Chiapas;307;962
mx Ciudad Hidalgo;Chiapas;308;962
mx Tuxtla Gutiérrez;Chiapas;290;961
mx Villahermosa;Tabasco;860;993
mx Tenosique;Tabasco;869;934
mx Coatzacoalcos;Veracruz;964;921
mx Puebla;Puebla;720;222
mx Ciudad de México;CDMX;060;55
mx Oaxaca de Juárez;Oaxaca;680;951
mx Guadalajara;Jalisco;441;33
mx Monterrey;Nuevo León;640;81
mx Reynosa;Tamaulipas;885;899
mx Matamoros;Tamaulipas;873;868
mx Nuevo Laredo;Tamaulipas;880;867
mx Piedras Negras;Coahuila;260;878
mx Ciudad Juárez;Chihuahua;320;656
mx Tijuana;Baja California;220;664
mx Nogales;Sonora;840;631
mx Cancún;Quintana Roo;775;998
mx Tlaxcala;Tlaxcala;900;246
gt Ciudad de Guatemala;Guatemala;010;
gt Quetzaltenango;Quetzaltenango;090;
gt Huehuetenango;Huehuetenango;130;
gt San Marcos;San Marcos;120;
gt Cobán;Alta Verapaz;160;
gt Tecún Umán;San Marcos;121;
gt Totonicapán;Totonicapán;080;
gt Chimaltenango;Chimaltenango;040;
gt Mazatenango;Suchitepéquez;100;
gt Escuintla;Escuintla;050;
hn Tegucigalpa;Francisco Morazán;111;
hn San Pedro Sula;Cortés;211;
hn La Ceiba;Atlántida;311;
hn Choloma;Cortés;212;
hn El Progreso;Yoro;231;
hn Comayagua;Comayagua;121;
hn Choluteca;Choluteca;511;
hn Juticalpa;Olancho;161;
sv San Salvador;San Salvador;110;
sv Santa Ana;Santa Ana;220;
sv San Miguel;San Miguel;330;
sv Soyapango;San Salvador;111;
sv Usulután;Usulután;340;
sv Ahuachapán;Ahuachapán;210;
sv La Unión;La Unión;310;
sv Chalatenango;Chalatenango;130;
us Houston;TX;770;713
us Dallas;TX;752;214
us San Antonio;TX;782;210
us McAllen;TX;785;956
us Brownsville;TX;785;956
us Laredo;TX;780;956
us El Paso;TX;799;915
us Los Angeles;CA;900;213
us San Diego;CA;921;619
us Phoenix;AZ;850;602
us Atlanta;GA;303;404
us Charlotte;NC;282;704
us New York;NY;100;718
us Newark;NJ;071;973
us Miami;FL;331;305
us Chicago;IL;606;312
us Nashville;TN;372;615
us Omaha;NE;681;402
us Immokalee;FL;341;239
us Salinas;CA;939;831
""")
MX_BORDER = PLACES["mx"][11:18]  # where networks stage people before crossing
MX_TRANSIT = PLACES["mx"][:11] + PLACES["mx"][18:]
# ports of entry: key -> (label, city, country) — Trip start and end locations
PORTS = {
    "tecun": ("Puente Rodolfo Robles", "Tecún Umán, San Marcos", "gt"),
    "hidalgo-mx": ("Puerto fronterizo Ciudad Hidalgo", "Ciudad Hidalgo, Chiapas", "mx"),
    "talisman": ("Puente Talismán", "Tuxtla Chico, Chiapas", "mx"),
    "ceibo": ("Puerto fronterizo El Ceibo", "Tenosique, Tabasco", "mx"),
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
CROSSINGS = (  # (Mexican side, US side)
    ("reynosa", "hidalgo-us"),
    ("reynosa", "rgv"),
    ("laredo-mx", "laredo-us"),
    ("juarez", "elpaso"),
    ("tijuana", "sanysidro"),
)
SOUTH_ENTRY = {"gt": ("tecun", "hidalgo-mx"), "hn": ("tecun", "ceibo"), "sv": ("tecun", "talisman")}
MX_STREETS = _words("""Hidalgo|Morelos|Juárez|5 de Mayo|16 de Septiembre|Independencia|Reforma|
Zaragoza|Allende|Guerrero|Insurgentes|Madero|Lázaro Cárdenas|Aldama""")
MX_COLONIAS = _words("""Centro|Las Flores|San Juan|Obrera|Del Valle|Lomas del Sol|Solidaridad|
Emiliano Zapata|Santa Cruz|La Esperanza|Infonavit|Los Pinos""")
CA_COLONIAS = _words("""El Centro|Kennedy|San José|La Esperanza|Las Palmas|El Carmen|
Santa Lucía|Monte Verde|Los Almendros|San Antonio""")
US_STREETS = _words("""Elm|Oak|Maple|Pine|Cedar|Main|Washington|Lincoln|Jefferson|Magnolia|
Bellaire|Airline|Westheimer|Harwin|Jensen|Culebra|Alameda|Ridgecrest""")
US_SUFFIX = _words("St|Ave|Dr|Rd|Blvd|Ln")

# -- banks and businesses --------------------------------------------------------
MX_BANKS = {
    "002": "Citibanamex",
    "012": "BBVA México",
    "014": "Santander México",
    "021": "HSBC México",
    "072": "Banorte",
    "127": "Banco Azteca",
    "137": "BanCoppel",
}
MX_BANK_CODES = list(MX_BANKS)
CA_BANKS = {
    "gt": (("BRRL", "Banrural"), ("INDL", "Banco Industrial"), ("AGRO", "BAM")),
    "sv": (("CUSC", "Banco Cuscatlán"), ("AGRI", "Banco Agrícola")),
    "hn": (("ATLA", "Banco Atlántida"), ("FICO", "Ficohsa")),
}
US_BANKS = _words("""Wells Fargo Bank|Bank of America|JPMorgan Chase Bank|BBVA USA|
Western Union Financial Services|MoneyGram Payment Systems|Intermex Wire Transfer""")
FRONT_MX = _words("""Viajes {x} S.A. de C.V.|Transportes {x} S.A. de C.V.|
Comercializadora {x} S.A. de C.V.|Servicios Integrales {x} S. de R.L. de C.V.|Hotel {x}|
Casa de Cambio {x} S.A. de C.V.|Inmobiliaria {x} S.A. de C.V.""")
FRONT_US = _words("""{x} Cleaning Services LLC|{x} Restaurant LLC|{x} Farm Labor Contractors Inc|
{x} Landscaping LLC|{x} Spa & Massage LLC|{x} Construction Inc|Cantina {x} LLC|
{x} Staffing Solutions LLC""")
FRONT_X = _words("""del Sureste|Los Volcanes|Maya Express|La Frontera|El Quetzal|Pacífico|
Sunrise|Golden Star|Lone Star|Bluebonnet|Eagle|Sun Valley|El Rancho|La Fiesta|Palmas|Liberty|
Costa Sur|Tres Hermanos|San Judas|Nuevo Amanecer""")
US_INDUSTRY = _words("""limpieza|cocina|agricultura|jardinería|servicios sexuales|construcción|
cantina|trabajo doméstico""")

_FOLD = str.maketrans("áéíóúüñÁÉÍÓÚÜÑàèìòùÀÈÌÒÙ", "aeiouunAEIOUUNaeiouAEIOU")


def ascii_fold(text: str) -> str:
    """Strip accents as many forms do: 'María Ángel Muñoz' -> 'Maria Angel Munoz'."""
    return text if text.isascii() else text.translate(_FOLD)


@lru_cache(maxsize=4096)
def fold_name(text: str) -> str:
    """:func:`ascii_fold` for names (a bounded vocabulary, so cached)."""
    return text if text.isascii() else text.translate(_FOLD)


_POW10 = [10**i for i in range(13)]


def digits(rng: Random, n: int) -> str:
    """n random decimal digits (leading zeros kept)."""
    out = ""
    while n > 12:
        out += str(int(rng.random() * 1e12)).zfill(12)
        n -= 12
    return out + str(int(rng.random() * _POW10[n])).zfill(n)


# -- identifiers with correct check digits ----------------------------------------
_CURP_VALUE = {c: i for i, c in enumerate("0123456789ABCDEFGHIJKLMNÑOPQRSTUVWXYZ")}
_CURP_WEIGHTS = range(18, 1, -1)
_CURP_STATES = dict(
    row.split("=")
    for row in _words("""Chiapas=CS|Tabasco=TC|Veracruz=VZ|Puebla=PL|CDMX=DF|Oaxaca=OC|
    Jalisco=JC|Nuevo León=NL|Tamaulipas=TS|Coahuila=CL|Chihuahua=CH|Baja California=BC|
    Sonora=SR|Quintana Roo=QR|Tlaxcala=TL""")
)
# RENAPO replaces the second letter of these "inconvenient words" with an X
_CURP_WORDS = frozenset(
    _words(
        """BACA BAKA BUEI BUEY CACA CACO CAGA CAGO CAKA CAKO COGE COGI
COJA COJE COJI COJO COLA CULO FALO FETO GETA GUEI GUEY JETA JOTO KACA KACO KAGA KAGO KAKA KAKO
KOGE KOGI KOJA KOJE KOJI KOJO KOLA KULO LILO LOCA LOCO LOKA LOKO MAME MAMO MEAR MEAS MEON MIAR
MION MOCO MOKO MULA MULO NACA NACO PEDA PEDO PENE PIPI PITO POPO PUTA PUTO QULO RATA ROBA ROBE
ROBO RUIN SENO TETA VACA VAGA VAGO VAKA VUEI VUEY WUEI WUEY""".replace("\n", " "),
        " ",
    )
)
_SKIP = frozenset(("DE", "LA", "DEL", "LOS"))


@lru_cache(maxsize=1024)  # only true names reach here: a few hundred distinct values
def _curp_parts(word: str, surname: bool) -> tuple[str, str, str]:
    """(first letter, first inner vowel, first inner consonant) of a name, as CURP uses them."""
    parts = ascii_fold(word).upper().split()
    if surname:
        parts = [w for w in parts if w not in _SKIP] or ["X"]
        w = "".join(parts)
    else:
        w = parts[1] if len(parts) > 1 and parts[0] in ("MARIA", "JOSE") else parts[0]
    vowel = next((c for c in w[1:] if c in "AEIOU"), "X")
    consonant = next((c for c in w[1:] if c not in "AEIOU"), "X")
    return w[0], vowel, consonant


def curp(
    given: str, s1: str, s2: str | None, birth: str, female: bool, state: str, rng: Random
) -> str:
    """A CURP built from the person's data, with a valid check digit."""
    a1, v1, c1 = _curp_parts(s1, True)
    a2, _, c2 = _curp_parts(s2 or "X", True)
    g1, _, cg = _curp_parts(given, False)
    head = a1 + v1 + a2 + g1
    if head in _CURP_WORDS:
        head = head[0] + "X" + head[2:]
    body = (
        head
        + birth[2:4]
        + birth[5:7]
        + birth[8:10]
        + ("M" if female else "H")
        + _CURP_STATES.get(state, "NE")
        + c1
        + c2
        + cg
        + ("0123456789" if birth < "2000" else "ABCDEFGHIJ")[int(rng.random() * 10)]
    )
    total = sum(map(int.__mul__, map(_CURP_VALUE.__getitem__, body), _CURP_WEIGHTS))
    return body + str((10 - total % 10) % 10)


_CLABE = {(str(d), w): d * w % 10 for d in range(10) for w in (3, 7, 1)}
_CLABE_WEIGHTS = ((3, 7, 1) * 6)[:17]


def clabe(rng: Random, bank: str) -> str:
    """An 18-digit Mexican CLABE (bank, plaza, account, check digit)."""
    body = bank + digits(rng, 14)
    total = sum(map(_CLABE.__getitem__, zip(body, _CLABE_WEIGHTS, strict=True)))
    return body + str((10 - total % 10) % 10)


def iban(rng: Random, country: str, bank: str) -> str:
    """A Guatemalan or Salvadoran IBAN (28 characters) with its mod-97 check digits."""
    bban = bank + digits(rng, 20)
    num = "".join(str(int(c, 36)) for c in bban + country.upper() + "00")
    return country.upper() + str(98 - int(num) % 97).zfill(2) + bban


_RFC_ALPHABET = "0123456789ABCDEFGHIJKLMN&OPQRSTUVWXYZ Ñ"


def rfc(name: str, founded: str, rng: Random) -> str:
    """A 12-character company RFC (initials, founding date, homoclave, check digit)."""
    words = [w for w in ascii_fold(name).upper().replace(".", "").split() if len(w) > 2]
    letters = ("".join(w[0] for w in words) + "XXX")[:3]
    body = letters + founded[2:4] + founded[5:7] + founded[8:10]
    body += "ABCDEFGHJKLMNPRSTUVWXYZ123456789"[int(rng.random() * 32)] + digits(rng, 1)
    padded = ("   " + body)[-12:]
    check = sum(_RFC_ALPHABET.index(c) * (13 - i) for i, c in enumerate(padded))
    return body + _RFC_ALPHABET[(11 - check) % 11]


_MOBILE = {"gt": ("+502", "345"), "hn": ("+504", "3789"), "sv": ("+503", "67")}


def phone(rng: Random, country: str, area: str = "") -> str:
    """A valid E.164 mobile number (FtM's phone cleaning keeps it; tested)."""
    if country == "mx":
        area = area or "55"
        return "+52" + area + digits(rng, 10 - len(area))
    if country == "us":
        return "+1" + (area or "713") + str(2 + int(rng.random() * 8)) + digits(rng, 6)
    code, first = _MOBILE[country]
    return code + first[int(rng.random() * len(first))] + digits(rng, 7)


def national_id(rng: Random, country: str, birth: str) -> tuple[str, str, str]:
    """(type, number, authority) of a Central American identity document."""
    if country == "gt":
        return "DPI", f"{digits(rng, 4)} {digits(rng, 5)} {digits(rng, 4)}", "RENAP"
    if country == "hn":
        return "DNI", f"{digits(rng, 4)}-{birth[:4]}-{digits(rng, 5)}", "RNP"
    body = digits(rng, 8)
    check = (10 - sum(int(c) * (9 - i) for i, c in enumerate(body)) % 10) % 10
    return "DUI", f"{body}-{check}", "RNPN"


_PASSPORT_PREFIX = {"mx": "G", "gt": "", "hn": "E", "sv": "B", "us": ""}


def passport_no(rng: Random, country: str) -> str:
    prefix = _PASSPORT_PREFIX[country]
    return prefix + digits(rng, 8 if prefix else 9)
